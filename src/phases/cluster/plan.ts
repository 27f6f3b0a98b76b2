/**
 * Planning a cluster's infrastructure: resolve images, build the resource model, find what
 * exists and diff. Shared by `update cluster` (direct target), `create cluster --yes` and the
 * CloudFormation export (which needs only the model).
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import type {UserDataFn} from '../../cloud/aws/build/context.js'
import {buildModel} from '../../cloud/aws/build/index.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {directContext} from '../../cloud/aws/direct/context.js'
import {type Plan, planModel} from '../../cloud/aws/direct/plan.js'
import {resolveImages} from '../../cloud/aws/images.js'
import type {ApplyContext, Model, StoreObjects} from '../../cloud/aws/model/types.js'
import type {Logger} from '../../util/logger.js'
import {storeRefusal} from './prerequisites.js'

export interface ModelOptions {
  /**
   * Instance group → user-data bytes, for a library caller that brings its own. Default: what the
   * prerequisites phase renders from the state store (`storeObjects`).
   */
  userData?: UserDataFn
  /** The state store (`s3://bucket/prefix`): the instance roles may read their boot objects there. */
  stateStore?: string
  /** The prerequisites' objects in that store (prerequisites.ts): found, and made on apply. */
  storeObjects?: StoreObjects
}

export async function clusterModel(
  cluster: Cluster,
  aws: AwsClients,
  options: ModelOptions = {},
): Promise<Model> {
  const images = await resolveImages(cluster, aws)
  return buildModel(cluster, {
    images,
    ...(options.userData ? {userData: options.userData} : {}),
    ...(options.stateStore ? {stateStore: options.stateStore} : {}),
  })
}

export interface ClusterPlan {
  cluster: Cluster
  model: Model
  plan: Plan
  ctx: ApplyContext
}

export async function planCluster(
  cluster: Cluster,
  aws: AwsClients,
  options: ModelOptions & {logger?: Logger} = {},
): Promise<ClusterPlan> {
  const model = await clusterModel(cluster, aws, options)
  const ctx = directContext(aws, cluster.name, {
    spec: cluster,
    ...(options.logger ? {logger: options.logger} : {}),
    ...(options.storeObjects ? {storeObjects: options.storeObjects} : {}),
  })
  const plan = await planModel(model, ctx)
  const item = plan.items.find((i) => i.desired.kind === 'StateStoreObjects')
  const refusal = options.storeObjects ? storeRefusal(options.storeObjects.location) : undefined
  if (item && item.action !== 'none' && refusal) plan.refused.push({phase: 'prerequisites', message: refusal})
  return {cluster, model, plan, ctx}
}
