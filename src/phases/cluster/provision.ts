/**
 * The one way the provisioner plans and applies a stored cluster with real user-data: `update
 * cluster`, `create cluster --yes` and `upgrade cluster` all come through here, so they can never
 * apply a cluster differently.
 *
 * User-data is rendered before planning when the KMS key exists; on a first apply it is rendered
 * after the security phase has made the key (the plan says it is pending until then).
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {readOnlyStore} from '../../state/read-only.js'
import type {StateStore} from '../../state/store.js'
import type {Logger} from '../../util/logger.js'
import {type UpdateOptions, type UpdateResult, updateCluster} from './update.js'
import {clusterUserData} from './userdata.js'

export interface ProvisionOptions extends Omit<UpdateOptions, 'userData' | 'lateUserData'> {
  store: StateStore
  aws: AwsClients
  logger: Logger
}

export async function provisionCluster(cluster: Cluster, given: ProvisionOptions): Promise<UpdateResult> {
  const {store, aws, logger} = given
  // The instance roles read their boot objects from this store (build/iam-policies.ts).
  const options: ProvisionOptions = {...given, stateStore: store.location}
  // A plan writes nothing: the secrets it would make and the ciphertexts it would cache are only
  // noted, and said. (Its user-data is then rendered from secrets the apply will make anew, so a
  // first plan shows the launch templates it creates, as it would anyway.)
  const unwritten: string[] = []
  const planStore = options.yes ? store : readOnlyStore(store, (key) => unwritten.push(key))
  const source = await clusterUserData(cluster, {store: planStore, aws, logger, publish: false})
  if (unwritten.length > 0) {
    logger.info(
      `plan: wrote nothing to the state store ${store.location}; applying stores ${unwritten.length} objects first ` +
        `(the cluster's secrets and their sealed copies, under ${[...new Set(unwritten.map((k) => k.split('/').slice(0, 2).join('/')))].join(', ')})`,
    )
  }
  if (source.ready) {
    // Published before anything launches: the node agent and any large cloud-config.
    const late = async () => {
      const published = await clusterUserData(cluster, {store, aws, logger, publish: true})
      if (!published.ready) throw new Error(`user-data for ${cluster.name} is not ready: ${published.reason}`)
      return (group: string) => Buffer.from(published.base64(group), 'base64')
    }
    return updateCluster(cluster, {
      ...options,
      userData: (group) => Buffer.from(source.base64(group), 'base64'),
      ...(options.yes ? {lateUserData: late} : {}),
    })
  }
  if (source.why === 'unavailable') return updateCluster(cluster, options)
  logger.info(`user-data: ${source.reason}`)
  return updateCluster(cluster, {
    ...options,
    lateUserData: async () => {
      const ready = await clusterUserData(cluster, {store, aws, logger, publish: true})
      if (!ready.ready) throw new Error(`user-data for ${cluster.name} is still not ready: ${ready.reason}`)
      return (group: string) => Buffer.from(ready.base64(group), 'base64')
    },
  })
}

/**
 * `create cluster` / `create -f`'s apply hook: plan (printed through `onPlan`) and, with --yes,
 * apply the stored cluster exactly as `update cluster` would.
 */
export function provisionHook(
  store: StateStore,
  awsFor: (region: string) => Promise<AwsClients>,
  logger: Logger,
  onPlan: (text: string) => void,
): (cluster: Cluster, options: {yes: boolean}) => Promise<void> {
  return async (cluster, {yes}) => {
    const aws = await awsFor(cluster.spec.cloud.aws.region)
    await provisionCluster(cluster, {store, aws, logger, yes, onPlan})
  }
}
