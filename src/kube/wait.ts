/**
 * Polling with a deadline, the shape of kubeadm's waiters: try now, then every `intervalMs` until
 * `check` returns a value or the timeout passes; the last error (or the caller's message) says why.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {KforgeError} from '../util/errors.js'

export interface PollOptions {
  intervalMs: number
  timeoutMs: number
  /** What we were waiting for, for the timeout message. */
  what: string
  /** Errors for which waiting longer is pointless: rethrown at once. */
  stopOn?: (err: unknown) => boolean
}

/** `check` returns undefined to keep waiting; a thrown error is remembered and retried. */
export async function poll<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
      lastError = undefined
    } catch (err) {
      if (options.stopOn?.(err)) throw err
      lastError = err
    }
    if (Date.now() + options.intervalMs > deadline) break
    await sleep(options.intervalMs)
  }
  const why = lastError instanceof Error ? `: last error: ${lastError.message}` : ''
  throw new KforgeError(
    `timed out after ${formatDuration(options.timeoutMs)} waiting for ${options.what}${why}`,
    {
      cause: lastError,
    },
  )
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/** Go-style durations as kubeadm's flags take them: `24h`, `1h30m`, `90s`, `500ms`, `0`. */
export function parseDuration(value: string, field = 'duration'): number {
  if (value === '0') return 0
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g
  let total = 0
  let consumed = 0
  for (let m = re.exec(value); m; m = re.exec(value)) {
    if (m.index !== consumed) break
    consumed += m[0].length
    const n = Number(m[1])
    total += n * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] as 'ms' | 's' | 'm' | 'h']
  }
  if (consumed !== value.length || value === '') {
    throw new KforgeError(`${field}: "${value}" is not a duration (expected e.g. 24h, 1h30m, 90s)`)
  }
  return Math.round(total)
}
