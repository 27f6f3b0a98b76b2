/**
 * One call from a stored cluster to its rendered user-data inputs: read the material from the
 * state store, build the node agent, seal the secrets (cached) into each role's bundle and
 * describe where instances fetch things. The apply path publishes what instances fetch (the agent,
 * the bundles); an export only describes it.
 */

import type {Cluster} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {ClusterAssets, RenderedUserData} from '../render/types.js'
import type {StateStore} from '../state/store.js'
import {readClusterMaterial} from './material.js'
import {nodeAgentBundle, nodeAgentLocation, publishNodeAgent} from './node-agent.js'
import {type ClusterMaterial, prepareClusterAssets} from './prepare.js'

export interface GatherOptions {
  store: StateStore
  aws: AwsClients
  cluster: Cluster
  /** Store the node agent for instances to fetch (apply). Default: false (export, validate). */
  publish?: boolean
  /** The material; default: read from the state store (readClusterMaterial). */
  material?: ClusterMaterial
  /** Default: `<spec.api.dnsName>:<spec.api.port>`. */
  apiEndpoint?: string
  /** The key to seal with. Default: clusterKmsKey(cluster), resolved through its alias. */
  kmsKeyId?: string
}

export async function gatherClusterAssets(options: GatherOptions): Promise<ClusterAssets> {
  const {store, cluster} = options
  const material = options.material ?? (await readClusterMaterial(store, cluster.name))
  const bundle = await nodeAgentBundle()
  const nodeAgent = options.publish
    ? await publishNodeAgent(store, cluster.name, bundle)
    : nodeAgentLocation(store.location, cluster.name, bundle.sha256)
  return prepareClusterAssets({
    cluster,
    material,
    store,
    aws: options.aws,
    nodeAgent,
    ...(options.apiEndpoint ? {apiEndpoint: options.apiEndpoint} : {}),
    ...(options.kmsKeyId ? {kmsKeyId: options.kmsKeyId} : {}),
    ...(options.publish ? {publish: true} : {}),
  })
}

/** Store the full cloud-configs that stubs fetch. Call before instances can launch. */
export async function publishUserData(
  store: StateStore,
  rendered: readonly RenderedUserData[],
): Promise<string[]> {
  const keys: string[] = []
  for (const r of rendered) {
    if (!r.publish) continue
    if ((await store.read(r.publish.key)) === undefined) await store.write(r.publish.key, r.publish.body)
    keys.push(r.publish.key)
  }
  return keys
}
