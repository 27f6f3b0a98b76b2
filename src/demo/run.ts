/**
 * `npm run demo`: the main job end to end on the embedded default, a local AWS emulator.
 * Starts moto server on a loopback port, drives the real CLI (bin/run.js) through a cluster's
 * life in a throw-away state store, shows what each step prints, and stops everything it
 * started. Ends with a table of step timings.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {formatMs} from '../cli/progress.js'
import {isMutating} from '../cloud/aws/clients.js'
import {startMoto} from '../sandbox/moto.js'
import {formatTable} from '../util/output.js'
import {demoSteps} from './steps.js'
import type {DemoContext, StepResult} from './types.js'

const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** AWS calls one step made, from the CLI's call log (KFORGE_AWS_CALL_LOG): `mutating/total`. */
function countCalls(file: string): string {
  if (!existsSync(file)) return '0/0'
  const actions = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean)
  return `${actions.filter((line) => isMutating(line.split(' ')[1] ?? '')).length}/${actions.length}`
}

function runCli(args: string[], env: Record<string, string>): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {...process.env, ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
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
  })
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'kforge-demo-'))
  process.stdout.write('kforge demo: starting the AWS API emulator (moto server) on loopback…\n')
  const moto = await startMoto()
  process.stdout.write(
    `  emulator at ${moto.endpoint}; state store s3://kforge-demo-state/clusters (in the emulator)\n\n`,
  )
  const ctx: DemoContext = {
    cluster: 'demo.example.com',
    zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    state: 's3://kforge-demo-state/clusters',
    work,
    env: {
      AWS_ENDPOINT_URL: moto.endpoint,
      // The emulator accepts any credentials; these are placeholders, never real ones.
      AWS_ACCESS_KEY_ID: 'demo',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_REGION: 'us-east-1',
      KFORGE_STATE_STORE: 's3://kforge-demo-state/clusters',
      KUBECONFIG: join(work, 'kubeconfig'),
      NO_COLOR: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  }
  Object.assign(process.env, ctx.env)
  // An S3 state store, as a real cluster needs (instances fetch the node agent from it).
  const {CreateBucketCommand, S3Client} = await import('@aws-sdk/client-s3')
  await new S3Client({forcePathStyle: true}).send(new CreateBucketCommand({Bucket: 'kforge-demo-state'}))

  const timings: string[][] = []
  let failed = false
  try {
    const steps = demoSteps()
    for (const [i, step] of steps.entries()) {
      const n = `${i + 1}/${steps.length}`
      const started = performance.now()
      if (step.check) {
        process.stdout.write(`[${n}] ${step.title}\n`)
        process.stdout.write(`${indent(await step.check(ctx))}\n\n`)
        timings.push([n, step.title, formatMs(performance.now() - started), '-', 'ok'])
        continue
      }
      const args = step.args(ctx)
      process.stdout.write(`[${n}] ${step.title}\n  $ kforge ${args.join(' ')}\n`)
      const callLog = join(work, `calls-${i}.log`)
      const result = await runCli(args, {...ctx.env, KFORGE_AWS_CALL_LOG: callLog})
      const took = formatMs(performance.now() - started)
      const calls = countCalls(callLog)
      if (result.code !== 0) {
        timings.push([n, step.title, took, calls, `FAILED (exit ${result.code})`])
        process.stdout.write(`  step failed with exit code ${result.code}\n`)
        failed = true
        break
      }
      const shown = step.show ? step.show(result, ctx) : result.stdout
      if (shown.trim() !== '') process.stdout.write(`${indent(shown)}\n`)
      process.stdout.write('\n')
      await step.after?.(result, ctx)
      timings.push([n, step.title, took, calls, 'ok'])
    }
  } finally {
    await moto.stop()
    rmSync(work, {recursive: true, force: true})
  }
  process.stdout.write(
    `Summary\n${formatTable(['STEP', 'WHAT', 'TIME', 'AWS CALLS (MUTATING/ALL)', 'RESULT'], timings)}`,
  )
  process.stdout.write(
    failed ? 'demo FAILED\n' : 'demo finished; the emulator is stopped and the state removed.\n',
  )
  return failed ? 1 : 0
}

process.exitCode = await main()
