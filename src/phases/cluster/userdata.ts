/**
 * The launch templates' user-data, for real: the cluster's secrets (made once in the state
 * store), sealed with the cluster's KMS key, rendered per instance group by src/render.
 *
 * Sealing needs the KMS key. On a cluster's first apply kforge creates that key itself (in the
 * security phase), so until then the user-data is "pending": the plan says so, and the apply
 * renders it between the security and cluster phases.
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import {gatherClusterAssets, publishUserData} from '../../assets/gather.js'
import {clusterKmsKey, resolveKmsKey} from '../../assets/prepare.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {renderClusterUserData} from '../../render/render.js'
import type {RenderedUserData} from '../../render/types.js'
import type {StateStore} from '../../state/store.js'
import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'
import {ensureClusterSecrets} from './secrets.js'

export type UserDataSource =
  | {ready: true; rendered: ReadonlyMap<string, RenderedUserData>; base64: (group: string) => string}
  /** `pending`: renderable once the KMS key exists. `unavailable`: not with this state store. */
  | {ready: false; why: 'pending' | 'unavailable'; reason: string}

export interface UserDataOptions {
  store: StateStore
  aws: AwsClients
  logger: Logger
  /** Store what instances fetch (node agent, large cloud-configs). Only when applying. */
  publish: boolean
}

/** True when the error says the KMS key (or its alias) does not exist yet. */
function isMissingKey(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String((err as {cause?: unknown}).cause ?? '')}` : ''
  return /NotFoundException|is not found|does not exist/i.test(text)
}

/** The cluster key's ARN, or undefined before kforge has made it (first apply). */
async function existingClusterKey(cluster: Cluster, aws: AwsClients): Promise<string | undefined> {
  try {
    return await resolveKmsKey(await aws.kms(), clusterKmsKey(cluster))
  } catch (err) {
    if (!cluster.spec.cloud.aws.kmsKeyArn && isMissingKey(err)) return undefined
    throw err
  }
}

export async function clusterUserData(cluster: Cluster, options: UserDataOptions): Promise<UserDataSource> {
  const {store, aws, logger} = options
  // Stored even when only planning (as kops's create does): a plan made from throw-away secrets
  // would show every launch template changing.
  const kmsKeyId = store.encryptionKey ? await existingClusterKey(cluster, aws) : undefined
  const {material, report} = await ensureClusterSecrets(store, cluster, kmsKeyId ? {kmsKeyId} : {})
  if (report.resealed.length > 0) {
    logger.info(`secrets: ${report.resealed.join(', ')} now encrypted at rest under the cluster's KMS key`)
  }
  if (!store.location.startsWith('s3://')) {
    // Instances fetch the node agent (and large cloud-configs) from the state store with their
    // role, so a local store can plan and exercise the cloud side but cannot boot Kubernetes.
    logger.warn(
      `state store ${store.location} is local: instances cannot fetch the node agent from it, so their ` +
        'user-data only records the cluster and group. Use --state s3://bucket/prefix for clusters that must boot.',
    )
    return {ready: false, why: 'unavailable', reason: 'a local state store cannot deliver the node agent'}
  }
  let assets: Awaited<ReturnType<typeof gatherClusterAssets>>
  try {
    assets = await gatherClusterAssets({store, aws, cluster, material, publish: options.publish})
  } catch (err) {
    if (!cluster.spec.cloud.aws.kmsKeyArn && isMissingKey(err)) {
      return {
        ready: false,
        why: 'pending',
        reason: 'sealed once kforge has created the cluster KMS key (security phase)',
      }
    }
    if (err instanceof KforgeError) throw err
    throw new KforgeError(`rendering user-data for ${cluster.name}: ${(err as Error).message}`, {cause: err})
  }
  const rendered = renderClusterUserData(cluster, assets)
  if (options.publish) await publishUserData(store, rendered)
  const byGroup = new Map(rendered.map((r) => [r.group, r]))
  return {
    ready: true,
    rendered: byGroup,
    base64: (group) => {
      const r = byGroup.get(group)
      if (!r) throw new KforgeError(`no user-data rendered for instance group "${group}"`)
      return r.userDataBase64
    },
  }
}
