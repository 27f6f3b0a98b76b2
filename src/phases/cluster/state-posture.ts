/**
 * `create`'s look at the state store before it stores a cluster there: an S3 bucket that is
 * public, unencrypted or unversioned is said loudly, once per problem, with the flag that fixes
 * it; `--secure-state-store` fixes it. A local directory has nothing to check.
 */
import type {StateStore} from '../../state/store.js'
import type {Logger} from '../../util/logger.js'

export async function checkStatePosture(
  store: StateStore,
  options: {secure: boolean; logger: Logger},
): Promise<{problems: string[]; changed: string[]}> {
  if (!store.posture) return {problems: [], changed: []}
  const result = await store.posture(options.secure)
  for (const c of result.changed) options.logger.info(`state store ${store.location}: ${c}`)
  for (const p of result.problems) {
    options.logger.warn(
      `WARNING: state store ${store.location}: ${p}. It holds every cluster's CA keys and join tokens; ` +
        'run with --secure-state-store to fix the bucket, or fix it yourself.',
    )
  }
  return result
}
