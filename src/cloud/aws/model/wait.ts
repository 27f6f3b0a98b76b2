/**
 * Waiting on AWS the way its documentation asks: bounded, with a growing, jittered interval (many
 * clients polling in step is what throttling punishes), a progress line saying what is awaited
 * and for how long, and a timeout error that names the resource and the last state it was seen
 * in. Used for what settles asynchronously (NAT gateways, load balancers, group deletion) and to
 * wait out read-after-write lag.
 */
import {KforgeError} from '../../../util/errors.js'
import type {Timings} from '../../../util/timings.js'
import {isNotFound} from './errors.js'

export interface PollOptions {
  /** What we are waiting for: `NAT gateway nat-1 to become available`. */
  what: string
  /** Default: 10 minutes */
  timeoutMs?: number
  /** The first interval; it grows by half each time up to 8 times this, jittered ±20%. Default: 2 s, or KFORGE_POLL_MS */
  intervalMs?: number
  /** A line now and then while waiting. Default: none */
  progress?: (line: string) => void
  /** Default: 30 s between progress lines (the first comes at the first wait). */
  progressEveryMs?: number
}

export interface Check {
  /** The state the resource was last seen in, for progress lines and the timeout error. */
  state(s: string): void
}

const DEFAULT_INTERVAL_MS = 2000
const DEFAULT_SETTLE_MS = 30_000

function formatSeconds(ms: number): string {
  return ms < 60_000
    ? `${Math.round(ms / 1000)}s`
    : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
}

/** Calls `check` until it returns a value other than undefined. */
export async function poll<T>(check: (c: Check) => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const first = options.intervalMs ?? DEFAULT_INTERVAL_MS
  const timeout = options.timeoutMs ?? 600_000
  const started = Date.now()
  let interval = first
  let last = ''
  let nextProgress = 0
  const c: Check = {
    state: (s) => {
      last = s
    },
  }
  for (;;) {
    const value = await check(c)
    if (value !== undefined) return value
    const waited = Date.now() - started
    if (waited > timeout) {
      throw new KforgeError(
        `timed out after ${formatSeconds(waited)} waiting for ${options.what}${last ? ` (last state: ${last})` : ''}`,
      )
    }
    if (options.progress && waited >= nextProgress) {
      options.progress(
        `    waiting for ${options.what}: ${formatSeconds(waited)} so far${last ? `, ${last}` : ''}`,
      )
      nextProgress = waited + (options.progressEveryMs ?? 30_000)
    }
    await sleep(interval * (0.8 + Math.random() * 0.4))
    interval = Math.min(interval * 1.5, first * 8)
  }
}

export interface SettleOptions {
  what: string
  /**
   * True when AWS has said the thing exists (it refused a duplicate): wait longer for reads to
   * show it. False when it may not exist (an unanswered create): give up sooner and create again.
   */
  sure: boolean
  /** The caller's timings (settleMs, pollMs). */
  timings: Timings
}

/** How long reads may lag a write: timings.settleMs when unsure, four times it when sure. */
export function settleWindowMs(sure: boolean, timings: Timings): number {
  const base = timings.settleMs ?? DEFAULT_SETTLE_MS
  return sure ? base * 4 : base
}

/** Reads that wait out lag poll at most every second. */
function lagInterval(timings: Timings): number {
  return Math.min(timings.pollMs ?? DEFAULT_INTERVAL_MS, 1000)
}

/** `find` until it sees something, within the read-after-write window; undefined if it never does. */
export async function settle<T>(
  find: () => Promise<T | undefined>,
  options: SettleOptions,
): Promise<T | undefined> {
  try {
    return await poll(find, {
      what: options.what,
      timeoutMs: settleWindowMs(options.sure, options.timings),
      intervalMs: lagInterval(options.timings),
    })
  } catch (err) {
    if (err instanceof KforgeError && err.message.startsWith('timed out')) return undefined
    throw err
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * A read of something a listing just showed (its attributes, its tags): NotFound there is
 * read-after-write lag, not absence, and is retried within the read-after-write window.
 */
export async function visible<T>(read: () => Promise<T>, what: string, timings: Timings): Promise<T> {
  const out = await poll(
    async (c) => {
      try {
        return {value: await read()}
      } catch (err) {
        if (!isNotFound(err)) throw err
        c.state('NotFound')
        return undefined
      }
    },
    {
      what: `${what} to be visible`,
      timeoutMs: settleWindowMs(true, timings),
      intervalMs: lagInterval(timings),
    },
  )
  return out.value
}
