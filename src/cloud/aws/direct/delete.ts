/**
 * Deleting a set of resources in dependency order, kops-style: in passes, each pass deleting in
 * parallel everything whose `deleteAfter` kinds are gone, retrying what AWS refuses with
 * DependencyViolation while passes make progress. When it must stop, it names every resource
 * left and what blocked it.
 */
import {KforgeError} from '../../../util/errors.js'
import {mapLimit} from '../model/concurrency.js'
import {awsErrorCode, isAccessDenied, isDependencyViolation, isNotFound} from '../model/errors.js'
import type {Actual, AnyDiscoverable, ApplyContext} from '../model/types.js'
import {sleep} from '../model/wait.js'
import {actualLabel} from './print.js'
import {type Progress, seconds} from './progress.js'

const TRANSIENT =
  /IncorrectState|InvalidState|Throttl|RequestLimit|ServiceUnavailable|InternalError|ScalingActivityInProgress|InUse|PendingVerification|Conflict|TimeoutError|ECONNRESET|socket hang up/

export interface Doomed {
  kind: AnyDiscoverable
  actual: Actual
}

export interface DeleteOptions {
  /** Default: 8 */
  concurrency?: number
  progress?: Progress
  /** Give up after this long without a pass that deleted something. Default: 10 minutes */
  stuckAfterMs?: number
  /** First back-off between passes that made no progress; doubles to 30 s. Default: the timings' deleteBackoffMs, else 1000 */
  backoffMs?: number
}

export async function deleteResources(
  items: readonly Doomed[],
  ctx: ApplyContext,
  options: DeleteOptions = {},
): Promise<number> {
  const progress = options.progress ?? (() => {})
  const stuckAfter = options.stuckAfterMs ?? 600_000
  const firstBackoff = options.backoffMs ?? ctx.aws.timings.deleteBackoffMs ?? 1000
  let backoff = firstBackoff
  let remaining = [...items]
  const lastError = new Map<Doomed, string>()
  let lastProgress = Date.now()
  let deleted = 0
  const failures = new Map<Doomed, number>()
  const hopeless = new Set<Doomed>()

  while (remaining.length > 0) {
    const present = new Set(remaining.map((r) => r.kind.kind))
    let eligible = remaining.filter(
      (r) => !r.kind.deleteAfter.some((k) => present.has(k) && k !== r.kind.kind),
    )
    // Only a cycle in deleteAfter leaves nothing eligible; then try everything and let AWS decide.
    if (eligible.length === 0) eligible = remaining
    const blocked = remaining.filter((r) => !eligible.includes(r))
    for (const b of blocked) {
      const waitingFor = b.kind.deleteAfter.filter((k) => present.has(k))
      lastError.set(b, `waits for ${waitingFor.join(', ')} to be deleted first`)
    }

    const gone = new Set<Doomed>()
    await mapLimit(eligible, options.concurrency ?? 8, async (item) => {
      const label = actualLabel(item.kind.kind, item.actual)
      const started = performance.now()
      try {
        await item.kind.delete(ctx, item.actual)
        progress(`  - ${label}: deleted (${seconds(started)})`)
        gone.add(item)
      } catch (err) {
        if (isNotFound(err)) {
          gone.add(item)
          progress(`  - ${label}: already gone`)
          return
        }
        if (isAccessDenied(err)) {
          throw new KforgeError(
            `deleting ${label}: access denied (${awsErrorCode(err)}): ${(err as Error).message}`,
            {
              cause: err,
            },
          )
        }
        const code = awsErrorCode(err)
        lastError.set(item, `${code ? `${code}: ` : ''}${(err as Error).message ?? String(err)}`)
        // What AWS refuses because of another resource clears up; anything else is retried a few times only.
        if (!isDependencyViolation(err) && !TRANSIENT.test(code)) {
          const n = (failures.get(item) ?? 0) + 1
          failures.set(item, n)
          if (n >= 3) hopeless.add(item)
        }
        progress(`  - ${label}: not yet (${code || 'error'}), will retry`)
      }
    })
    deleted += gone.size
    remaining = remaining.filter((r) => !gone.has(r))
    if (remaining.length === 0) break
    if (gone.size > 0) {
      lastProgress = Date.now()
      backoff = firstBackoff
      continue
    }
    if (hopeless.size > 0 || Date.now() - lastProgress > stuckAfter) {
      const lines = remaining.map(
        (r) => `  ${actualLabel(r.kind.kind, r.actual)}: ${lastError.get(r) ?? 'not attempted'}`,
      )
      throw new KforgeError(`could not delete ${remaining.length} resource(s):\n${lines.join('\n')}`)
    }
    await sleep(backoff)
    backoff = Math.min(backoff * 2, 30_000)
  }
  return deleted
}
