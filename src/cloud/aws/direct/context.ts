/** The context the direct target's reads and writes share for one run. */
import {createHash} from 'node:crypto'
import type {Cluster} from '../../../api/v1alpha1/types.js'
import {type Logger, silentLogger} from '../../../util/logger.js'
import type {AwsClients} from '../clients.js'
import type {ApplyContext, StoreObjects} from '../model/types.js'

export function directContext(
  aws: AwsClients,
  cluster: string,
  options: {spec?: Cluster; logger?: Logger; storeObjects?: StoreObjects} = {},
): ApplyContext {
  const memo = new Map<string, Promise<unknown>>()
  return {
    aws,
    cluster,
    ...(options.spec ? {spec: options.spec} : {}),
    logger: options.logger ?? silentLogger,
    ...(options.storeObjects ? {storeObjects: options.storeObjects} : {}),
    once<T>(key: string, read: () => Promise<T>): Promise<T> {
      let hit = memo.get(key) as Promise<T> | undefined
      if (!hit) {
        hit = read()
        memo.set(key, hit)
        // A failed read is not cached: the next caller tries again.
        hit.catch(() => memo.delete(key))
      }
      return hit
    },
    // Deterministic for the same request, so a re-run after a crash repeats the same token and the
    // API returns what the first attempt made; the parts include parent ids, so a re-created
    // cluster (new VPC, new subnets) never collides with a deleted one's tokens.
    token: (...parts) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 64),
  }
}
