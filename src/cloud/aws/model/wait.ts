/** Polling for the few things that settle asynchronously (NAT gateways, group deletion). */
import {KforgeError} from '../../../util/errors.js'

export interface PollOptions {
  /** What we are waiting for, in the error message. */
  what: string
  /** Default: 10 minutes */
  timeoutMs?: number
  /** Default: 2 s, or KFORGE_POLL_MS (the emulator settles at once) */
  intervalMs?: number
}

/** Calls `check` until it returns a value other than undefined. */
export async function poll<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const interval = options.intervalMs ?? Number(process.env.KFORGE_POLL_MS ?? 2000)
  const deadline = Date.now() + (options.timeoutMs ?? 600_000)
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new KforgeError(`timed out waiting for ${options.what}`)
    await sleep(interval)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
