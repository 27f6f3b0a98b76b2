/**
 * Where the provisioner keeps the plaintext material instances need, in the state store (written
 * with `secret: true`): `<cluster>/pki/<file>` in kubeadm's PKI layout. This is the one place that
 * knows those keys.
 */
import type {StateStore} from '../state/store.js'
import {KforgeError} from '../util/errors.js'
import {ASSET_CATALOG} from './catalog.js'
import type {ClusterMaterial} from './prepare.js'

export function materialKey(clusterName: string, name: string): string {
  return `${clusterName}/pki/${name}`
}

export async function readClusterMaterial(store: StateStore, clusterName: string): Promise<ClusterMaterial> {
  const material: Record<string, Buffer> = {}
  const missing: string[] = []
  for (const asset of ASSET_CATALOG) {
    const key = materialKey(clusterName, asset.name)
    const body = await store.read(key)
    if (body) material[asset.name] = body
    else missing.push(key)
  }
  if (missing.length > 0) {
    throw new KforgeError(
      `cluster ${clusterName}: the state store ${store.location} has no ${missing.join(', ')}; ` +
        'the cluster PKI is made by `kforge create cluster`/`kforge update cluster`',
    )
  }
  return material
}

export async function writeClusterMaterial(
  store: StateStore,
  clusterName: string,
  material: ClusterMaterial,
): Promise<void> {
  for (const asset of ASSET_CATALOG) {
    const body = material[asset.name]
    if (body) await store.write(materialKey(clusterName, asset.name), body, {secret: asset.secret})
  }
}
