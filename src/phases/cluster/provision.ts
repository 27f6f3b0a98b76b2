/**
 * The one way the provisioner plans and applies a stored cluster: `update cluster`, `create
 * cluster --yes` and `upgrade cluster` all come through here, so they can never apply a cluster
 * differently. The state store is what makes the prerequisites phase (its objects, and the
 * user-data rendered from them) part of the plan; a plan reads it and writes nothing.
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import {refuseIfDeployedAsStack} from '../../cloud/aws/cfn/stack.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import type {StateStore} from '../../state/store.js'
import type {Logger} from '../../util/logger.js'
import {clusterStoreObjects} from './prerequisites.js'
import {type UpdateOptions, type UpdateResult, updateCluster} from './update.js'

export interface ProvisionOptions extends Omit<UpdateOptions, 'userData' | 'storeObjects' | 'stateStore'> {
  store: StateStore
  aws: AwsClients
  logger: Logger
}

export async function provisionCluster(cluster: Cluster, given: ProvisionOptions): Promise<UpdateResult> {
  const {store, aws, logger, ...rest} = given
  // A plan only reads (a drift check); the prerequisites are the direct target's for a stack too.
  if (rest.yes && rest.phase !== 'prerequisites') {
    await refuseIfDeployedAsStack(await aws.cloudFormation(), cluster.name)
  }
  return updateCluster(cluster, {
    ...rest,
    aws,
    logger,
    // The instance roles read their boot objects from this store (build/iam-policies.ts).
    stateStore: store.location,
    storeObjects: clusterStoreObjects(cluster, {store, aws, logger}),
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
