/**
 * Cluster records in a state store: `<cluster>/config.yaml` holds the complete, defaulted
 * multi-document spec exactly as `renderSpec` writes it. Loading re-validates, so a hand-edited
 * or older store is caught at the door, and the other keys under `<cluster>/` (PKI, assets) go
 * with the cluster when it is deleted.
 */
import {loadSpec, renderSpec} from '../api/v1alpha1/index.js'
import {readRetiredAsCurrent} from '../api/v1alpha1/retired.js'
import type {Cluster} from '../api/v1alpha1/types.js'
import {KforgeError} from '../util/errors.js'
import {lockKey} from './lock.js'
import type {StateStore} from './store.js'

export const CONFIG_FILE = 'config.yaml'

export function configKey(name: string): string {
  return `${name}/${CONFIG_FILE}`
}

function notFound(store: StateStore, name: string): KforgeError {
  return new KforgeError(`cluster "${name}" not found in state store ${store.location}`)
}

export async function clusterExists(store: StateStore, name: string): Promise<boolean> {
  return (await store.read(configKey(name))) !== undefined
}

/** Write (or overwrite) the cluster's spec. */
export async function saveClusterSpec(store: StateStore, cluster: Cluster): Promise<void> {
  await store.write(configKey(cluster.name), renderSpec(cluster))
}

/** Store a new cluster's spec, refusing to overwrite one that exists. */
export async function createClusterSpec(store: StateStore, cluster: Cluster): Promise<void> {
  if (await clusterExists(store, cluster.name)) {
    throw new KforgeError(
      `cluster "${cluster.name}" already exists in state store ${store.location}; change it with "kforge replace -f FILE" or "kforge edit cluster ${cluster.name}"`,
    )
  }
  await saveClusterSpec(store, cluster)
}

/** The stored spec text, as written. */
export async function loadClusterText(store: StateStore, name: string): Promise<string> {
  const body = await store.read(configKey(name))
  if (body === undefined) throw notFound(store, name)
  return body.toString('utf8')
}

/** The stored cluster, validated again on the way in. */
export async function loadCluster(store: StateStore, name: string): Promise<Cluster> {
  const cluster = loadSpec(await loadClusterText(store, name), `${store.location}/${configKey(name)}`)
  if (cluster.name !== name) {
    throw new KforgeError(
      `${store.location}/${configKey(name)}: holds Cluster "${cluster.name}", expected "${name}"`,
    )
  }
  return cluster
}

/**
 * The stored cluster for `delete cluster`: a value an earlier kforge accepted and this one
 * refuses is read as its replacement (retired.ts), so a cluster made then can still be deleted.
 */
export async function loadClusterForDelete(
  store: StateStore,
  name: string,
): Promise<{cluster: Cluster; replaced: string[]}> {
  const {text, replaced} = readRetiredAsCurrent(await loadClusterText(store, name))
  if (replaced.length === 0) return {cluster: await loadCluster(store, name), replaced}
  const cluster = loadSpec(text, `${store.location}/${configKey(name)}`)
  return {cluster, replaced}
}

/** Names of the clusters in the store, sorted. */
export async function listClusters(store: StateStore): Promise<string[]> {
  const keys = await store.list('')
  return keys
    .filter((k) => k.split('/').length === 2 && k.endsWith(`/${CONFIG_FILE}`))
    .map((k) => k.slice(0, -CONFIG_FILE.length - 1))
    .sort()
}

/** Remove everything the store holds for the cluster (spec, PKI, assets). */
export async function deleteClusterState(store: StateStore, name: string): Promise<void> {
  if (!(await clusterExists(store, name))) throw notFound(store, name)
  const keys = await store.list(`${name}/`)
  // The spec goes last: if deletion stops half-way, the cluster is still listed and can be retried.
  // The lock stays for its holder (the delete that runs this) to release.
  for (const key of keys.filter((k) => k !== configKey(name) && k !== lockKey(name))) await store.delete(key)
  await store.delete(configKey(name))
}
