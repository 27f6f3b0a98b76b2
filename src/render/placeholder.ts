/**
 * Stand-in assets for checking a spec before any key exists (`kforge validate -f`): references of
 * the real shape (user-data carries no file bytes, only where the role's bundle is), without KMS or
 * the state store, so the size check sees what a real render would. Never used for an instance.
 */
import {ebsCsiControllerHasOwnRole} from '../api/v1alpha1/identity.js'
import type {Cluster} from '../api/v1alpha1/types.js'
import {ASSET_CATALOG} from '../assets/catalog.js'
import {secretsBundleKey, secretsRef} from '../assets/secrets-bundle.js'
import type {AssetRole, ClusterAssets, SecretsRef} from './types.js'

export function placeholderAssets(
  cluster: Cluster,
  options: {stateStore?: string; stateStoreRegion?: string} = {},
): ClusterAssets {
  const keyId = `arn:aws:kms:${cluster.spec.cloud.aws.region}:000000000000:key/00000000-0000-0000-0000-000000000000`
  const stateStore = options.stateStore ?? 's3://kforge-state-placeholder'
  const bundles: Partial<Record<AssetRole, SecretsRef>> = {}
  for (const role of ['control-plane', 'node'] as const) {
    if (!ASSET_CATALOG.some((a) => a.roles.includes(role))) continue
    const sha256 = '0'.repeat(64)
    bundles[role] = secretsRef(stateStore, secretsBundleKey(cluster.name, role, sha256), sha256)
  }
  return {
    kmsKeyId: keyId,
    bundles,
    caPin: `sha256:${'0'.repeat(64)}`,
    apiEndpoint: `${cluster.spec.api.dnsName}:${cluster.spec.api.port}`,
    stateStore,
    ...(options.stateStoreRegion ? {stateStoreRegion: options.stateStoreRegion} : {}),
    nodeAgent: {url: 's3://kforge-state-placeholder/node-agent/kforge.mjs', sha256: '0'.repeat(64)},
    ...(ebsCsiControllerHasOwnRole(cluster.spec) ? {account: '000000000000'} : {}),
  }
}
