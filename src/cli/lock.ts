/**
 * The cluster lock at the command edge: the `--break-lock` flag every mutating command shares,
 * and a runner that holds the lease while the command works and gives it back on success, on
 * failure, and on Ctrl-C or SIGTERM (Node's default for a signal is to exit at once, skipping
 * every `finally`, which would leave the lease for the next operator to break by hand).
 */
import {Flags} from '@oclif/core'
import type {LockOptions} from '../state/lock.js'
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
  return withClusterLock(
    store,
    cluster,
    {...(renewEveryMs ? {renewEveryMs} : {}), ...options},
    async (lease) => {
      const onSignal = (signal: NodeJS.Signals) => {
        options.logger?.warn(`${signal}: releasing the lock on ${cluster} and stopping`)
        void lease
          .release()
          .catch((err: unknown) => options.logger?.error(`the lock on ${cluster} stays: ${String(err)}`))
          .finally(() => process.exit(EXIT_CODE[signal] ?? 1))
      }
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        return await work()
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    },
  )
}
