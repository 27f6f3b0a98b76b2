/**
 * A moto server of its own with IAM enforced (INITIAL_NO_AUTH_ACTION_COUNT): the first `free` AWS
 * requests are let through unchecked (enough to make an administrator), every later one must be
 * allowed by the caller's IAM policies. Separate from the suite's shared emulator, which stays
 * unenforced. Loopback only.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {freePort} from './moto.js'

export interface EnforcedMoto {
  endpoint: string
  stop(): Promise<void>
}

export async function startEnforcedMoto(free: number): Promise<EnforcedMoto> {
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {...process.env, INITIAL_NO_AUTH_ACTION_COUNT: String(free), MOTO_ALLOW_NONEXISTENT_REGION: 'false'},
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) throw new Error(`moto (IAM enforced) exited:\n${stderr}`)
    try {
      // The dashboard is not an AWS action: it does not spend the free requests.
      const res = await fetch(`${endpoint}/moto-api/`, {signal: AbortSignal.timeout(1000)})
      if (res.status < 500) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM')
      throw new Error(`moto (IAM enforced) did not answer on ${endpoint}:\n${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => {
          if (!exited) child.kill('SIGKILL')
        }, 5000).unref()
      }),
  }
}
