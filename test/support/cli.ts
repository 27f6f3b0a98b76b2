/**
 * Drives the built CLI (`bin/run.js`, compiled by `npm test`'s build step) as a user would:
 * a child process, its exit code, stdout and stderr.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(repoRoot, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function runKforge(
  args: readonly string[],
  options: {env?: Record<string, string>; cwd?: string; input?: string} = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: {...process.env, NO_COLOR: '1', ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? 1, stdout, stderr}))
    child.stdin.end(options.input ?? '')
  })
}

/** A fresh temporary directory (state stores, root dirs, kubeconfigs). */
export function tempDir(prefix = 'kforge-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}
