/**
 * The cluster lock at the command edge: the `--break-lock` flag every mutating command shares,
 * and a runner that holds the lease while the command works and gives it back on success, on
 * failure, and on Ctrl-C or SIGTERM (Node's default for a signal is to exit at once, skipping
 * every `finally`, which would leave the lease for the next operator to break by hand).
 */
import {Flags} from '@oclif/core'
import type {Lease, LockOptions} from '../state/lock.js'
import type {StateStore} from '../state/store.js'

export const lockFlags = {
  'break-lock': Flags.boolean({
    description: "remove the cluster's lock first if its holder stopped renewing it (a crashed run)",
    default: false,
  }),
}

const EXIT_CODE: Partial<Record<NodeJS.Signals, number>> = {SIGINT: 130, SIGTERM: 143}

export async function runLocked<T>(
  store: StateStore,
  cluster: string,
  options: LockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const {withClusterLock} = await import('../state/lock.js')
  // Tests shorten the renewal (and so the time a crashed run's lease takes to go stale).
  const renewEveryMs = Number(process.env.KFORGE_LOCK_RENEW_MS) || undefined
  // The handlers go in before the lease is asked for: the lease is in the store before its
  // create's answer is back, and a Ctrl-C in that gap must still give it back.
  let lease: Lease | undefined
  let stopping: NodeJS.Signals | undefined
  const releaseAndExit = (held: Lease, signal: NodeJS.Signals): Promise<never> =>
    held
      .release()
      .catch((err: unknown) => options.logger?.error(`the lock on ${cluster} stays: ${String(err)}`))
      .finally(() => process.exit(EXIT_CODE[signal] ?? 1)) as Promise<never>
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C is the operator insisting: stop now, and say the lease may stay.
      options.logger?.warn(`${signal} again: stopping without waiting; the lock on ${cluster} may stay`)
      process.exit(EXIT_CODE[signal] ?? 1)
    }
    stopping = signal
    options.logger?.warn(`${signal}: releasing the lock on ${cluster} and stopping`)
    if (lease) void releaseAndExit(lease, signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return await withClusterLock(
      store,
      cluster,
      {...(renewEveryMs ? {renewEveryMs} : {}), ...options},
      async (held) => {
        lease = held
        if (stopping) return releaseAndExit(held, stopping)
        return work()
      },
    )
  } catch (err) {
    if (stopping) process.exit(EXIT_CODE[stopping] ?? 1)
    throw err
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
