/**
 * The timings object, built at the CLI edge from the environment: KFORGE_POLL_MS (the
 * provisioner's polls) and KFORGE_POLL_INTERVAL_MS (the node workflows' polls). Tests and slow
 * links set them; a value that is not a positive number is ignored.
 */
import type {Timings} from '../util/timings.js'

function positive(value: string | undefined): number | undefined {
  const n = Number(value)
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : undefined
}

export function timingsFromEnv(env: NodeJS.ProcessEnv = process.env): Timings {
  const pollMs = positive(env.KFORGE_POLL_MS)
  const nodePollMs = positive(env.KFORGE_POLL_INTERVAL_MS)
  return {...(pollMs ? {pollMs} : {}), ...(nodePollMs ? {nodePollMs} : {})}
}

/** `{intervalMs}` for a provisioner-side workflow when KFORGE_POLL_MS sets one; else its own default. */
export function pollOption(t: Timings = timingsFromEnv()): {intervalMs?: number} {
  return t.pollMs ? {intervalMs: t.pollMs} : {}
}
