/**
 * The state-store half of the prerequisites phase: the objects instances need at boot, found
 * (reads only: a plan writes nothing anywhere) and made (the apply). Given to the resource model
 * as the context's `storeObjects`, so it plans, prints and applies like any other resource
 * (resources/store-objects.ts), before the network, security and cluster phases.
 *
 * Made once, with the cluster key: the three CAs and the service-account key pair
 * (src/phases/cluster/secrets.ts, encrypted at rest under the key), their copies sealed for the
 * control-plane role (the ciphertext cache, src/assets/cache.ts, which keeps user-data stable
 * across runs) and bundled for it (src/assets/secrets-bundle.ts: what user-data references), the
 * node agent, and every cloud-config too large for user-data. The user-data rendered from them
 * is what both targets put in their launch templates.
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import {cacheKey} from '../../assets/cache.js'
import {ASSET_CATALOG} from '../../assets/catalog.js'
import {gatherClusterAssets, publishUserData} from '../../assets/gather.js'
import {materialKey} from '../../assets/material.js'
import {nodeAgentBundle, nodeAgentKey, nodeAgentLocation} from '../../assets/node-agent.js'
import {clusterKmsKey, prepareClusterAssets, resolveKmsKey} from '../../assets/prepare.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import type {StoreObjects, StoreObjectsActual} from '../../cloud/aws/model/types.js'
import {JWKS_ATTR, userDataAttr} from '../../cloud/aws/resources/store-objects.js'
import {serviceAccountJwks} from '../../pki/oidc.js'
import {renderClusterUserData} from '../../render/render.js'
import type {RenderedUserData} from '../../render/types.js'
import {parseS3Url} from '../../render/urls.js'
import {readOnlyStore} from '../../state/read-only.js'
import type {StateStore} from '../../state/store.js'
import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'
import {ensureClusterSecrets} from './secrets.js'

export interface StoreObjectsOptions {
  store: StateStore
  aws: AwsClients
  logger: Logger
}

/** Why a state store cannot hold what instances fetch, or undefined when it can. */
export function storeRefusal(location: string): string | undefined {
  if (parseS3Url(location)) return undefined
  return (
    `state store ${location} is a local directory: instances fetch the kforge node agent and their ` +
    "files (the control plane's sealed secrets) from the state store with their role, so a cluster that launches instances needs " +
    '--state s3://bucket/prefix (or KFORGE_STATE_STORE)'
  )
}

/** True when the error says the KMS key (or its alias) does not exist. */
function isMissingKey(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String((err as {cause?: unknown}).cause ?? '')}` : ''
  return /NotFoundException|is not found|does not exist/i.test(text)
}

/** The cluster key's ARN, or undefined while kforge has not made it. */
async function existingKey(cluster: Cluster, aws: AwsClients): Promise<string | undefined> {
  try {
    return await resolveKmsKey(await aws.kms(), clusterKmsKey(cluster))
  } catch (err) {
    // A key the spec names must exist: that is the user's to fix, not the prerequisites' to make.
    if (!cluster.spec.cloud.aws.kmsKeyArn && isMissingKey(err)) return undefined
    throw err
  }
}

function actual(
  cluster: Cluster,
  store: StateStore,
  keyArn: string | undefined,
  missing: string[],
  rendered?: readonly RenderedUserData[],
  saPublicKey?: Buffer,
): StoreObjectsActual {
  const attrs: Record<string, string> = {id: `${store.location}/${cluster.name}`}
  for (const r of rendered ?? []) attrs[userDataAttr(r.group)] = r.userDataBase64
  // The issuer's published keys come from sa.pub, public by nature (resources/issuer-documents.ts).
  if (saPublicKey) attrs[JWKS_ATTR] = serviceAccountJwks([saPublicKey])
  return {id: attrs.id!, attrs, tags: {}, keyArn: keyArn ?? '', missing}
}

export function clusterStoreObjects(cluster: Cluster, options: StoreObjectsOptions): StoreObjects {
  const {store, aws, logger} = options
  // Anything find() would write is a bug: a plan writes nothing anywhere.
  const readOnly = readOnlyStore(store, (key) => {
    throw new Error(`internal: the prerequisites' find tried to write ${key}`)
  })

  async function find(): Promise<StoreObjectsActual | undefined> {
    const material: Record<string, Buffer> = {}
    const missing: string[] = []
    for (const asset of ASSET_CATALOG) {
      const key = materialKey(cluster.name, asset.name)
      const body = await store.read(key)
      if (body) material[asset.name] = body
      else missing.push(key)
    }
    const keyArn = await existingKey(cluster, aws)
    if (!keyArn) {
      if (missing.length === ASSET_CATALOG.length) return undefined
      return actual(cluster, store, keyArn, missing, undefined, material['sa.pub'])
    }
    // Secrets kept at rest under the cluster key (S3: SSE-KMS with it).
    for (const asset of ASSET_CATALOG.filter((a) => a.secret && material[a.name])) {
      const key = materialKey(cluster.name, asset.name)
      if (store.encryptionKey && (await store.encryptionKey(key)) !== keyArn) missing.push(key)
    }
    if (missing.length > 0 || storeRefusal(store.location))
      return actual(cluster, store, keyArn, missing, undefined, material['sa.pub'])
    for (const asset of ASSET_CATALOG.filter((a) => a.secret)) {
      for (const role of asset.roles) {
        const target = {keyId: keyArn, cluster: cluster.name, name: asset.name, role}
        const key = cacheKey(target, material[asset.name]!)
        if ((await store.read(key)) === undefined) missing.push(key)
      }
    }
    const bundle = await nodeAgentBundle()
    const agentKey = nodeAgentKey(cluster.name, bundle.sha256)
    if ((await store.read(agentKey)) === undefined) missing.push(agentKey)
    if (missing.length > 0) return actual(cluster, store, keyArn, missing, undefined, material['sa.pub'])
    // Every ciphertext is cached: rendering reads only.
    const assets = await prepareClusterAssets({
      cluster,
      material,
      store: readOnly,
      aws,
      nodeAgent: nodeAgentLocation(store.location, cluster.name, bundle.sha256),
      kmsKeyId: keyArn,
    })
    for (const ref of Object.values(assets.bundles)) {
      if ((await store.read(ref.key)) === undefined) missing.push(ref.key)
    }
    const rendered = renderClusterUserData(cluster, assets)
    for (const r of rendered) {
      if (r.publish && (await store.read(r.publish.key)) === undefined) missing.push(r.publish.key)
    }
    return actual(
      cluster,
      store,
      keyArn,
      missing,
      missing.length === 0 ? rendered : undefined,
      material['sa.pub'],
    )
  }

  async function make(keyArn: string): Promise<StoreObjectsActual> {
    const refusal = storeRefusal(store.location)
    if (refusal) throw new KforgeError(refusal)
    const {material, report} = await ensureClusterSecrets(store, cluster, {kmsKeyId: keyArn})
    if (report.created.length > 0) logger.info(`  secrets: made ${report.created.join(', ')}`)
    if (report.resealed.length > 0) {
      logger.info(
        `  secrets: ${report.resealed.join(', ')} now encrypted at rest under the cluster's KMS key`,
      )
    }
    if (report.retired.length > 0) logger.info(`  secrets: deleted ${report.retired.join(', ')} (unused)`)
    const assets = await gatherClusterAssets({store, aws, cluster, material, publish: true, kmsKeyId: keyArn})
    const rendered = renderClusterUserData(cluster, assets)
    const published = await publishUserData(store, rendered)
    if (published.length > 0) logger.info(`  user-data: published ${published.join(', ')}`)
    return actual(cluster, store, keyArn, [], rendered, material['sa.pub'])
  }

  return {location: store.location, find, make}
}
