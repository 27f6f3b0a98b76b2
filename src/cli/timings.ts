/**
 * The timings object, built at the CLI edge from the environment: KFORGE_POLL_MS (the
 * provisioner's polls) and KFORGE_POLL_INTERVAL_MS (the node workflows' polls). Tests and slow
 * links set them; a value that is not a positive number is ignored.
 */
import {pollOption as pollOptionOf, type Timings} from '../util/timings.js'

export function positive(value: string | undefined): number | undefined {
  const n = Number(value)
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : undefined
}

export function timingsFromEnv(env: NodeJS.ProcessEnv = process.env): Timings {
  const fields: [keyof Timings, string][] = [
    ['pollMs', 'KFORGE_POLL_MS'],
    ['nodePollMs', 'KFORGE_POLL_INTERVAL_MS'],
    ['settleMs', 'KFORGE_SETTLE_MS'],
    ['deleteBackoffMs', 'KFORGE_DELETE_BACKOFF_MS'],
  ]
  const t: Timings = {}
  for (const [field, name] of fields) {
    const v = positive(env[name])
    if (v !== undefined) t[field] = v
  }
  return t
}

/** `{intervalMs}` for a provisioner-side workflow when KFORGE_POLL_MS sets one; else its own default. */
export function pollOption(t: Timings = timingsFromEnv()): {intervalMs?: number} {
  return pollOptionOf(t)
}
