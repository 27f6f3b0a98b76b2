/**
 * Gathering a cluster's assets for rendering: seal every secret of the catalogue with the
 * cluster's KMS key (through the ciphertext cache), keep the public files as they are, compute
 * the CA pin. The result is the `ClusterAssets` that `renderUserData` takes.
 */
import type {KMSClient} from '@aws-sdk/client-kms'
import type {Cluster} from '../api/v1alpha1/types.js'
import {computePin} from '../bootstrap/pin.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import {visible} from '../cloud/aws/model/wait.js'
import {clusterAlias} from '../cloud/aws/resources/kms.js'
import type {ClusterAssets, EncryptedAsset, PublicAsset, RemoteFile} from '../render/types.js'
import type {StateStore} from '../state/store.js'
import {errorMessage, KforgeError} from '../util/errors.js'
import type {Timings} from '../util/timings.js'
import {sealCached} from './cache.js'
import {ASSET_CATALOG} from './catalog.js'

/** Plaintext secret and public material by catalogue name (`ca.key`, `bootstrap-token`, ...). */
export type ClusterMaterial = Readonly<Record<string, Buffer>>

/** The KMS alias kforge creates when the spec names no key: the resource model's own name for it. */
export function defaultKmsKey(clusterName: string): string {
  return clusterAlias(clusterName)
}

/** The key to seal with: spec.cloud.aws.kmsKeyArn, else kforge's alias for the cluster. */
export function clusterKmsKey(cluster: Cluster): string {
  return cluster.spec.cloud.aws.kmsKeyArn ?? defaultKmsKey(cluster.name)
}

/**
 * The key's ARN (aliases resolved), so cache entries follow the key, not the name. With `lag`,
 * a NotFound is read-after-write lag and waited out (KMS is eventually consistent: a key made a
 * moment ago may not be described yet); without it, NotFound means there is no such key.
 */
export async function resolveKmsKey(kms: KMSClient, keyId: string, lag?: Timings): Promise<string> {
  const {DescribeKeyCommand} = await import('@aws-sdk/client-kms')
  const describe = () => kms.send(new DescribeKeyCommand({KeyId: keyId}))
  try {
    const out = lag ? await visible(describe, `KMS key ${keyId}`, lag) : await describe()
    const meta = out.KeyMetadata
    if (!meta?.Arn) throw new Error('no key metadata')
    if (meta.Enabled === false) throw new Error(`the key is ${meta.KeyState ?? 'disabled'}`)
    return meta.Arn
  } catch (err) {
    throw new KforgeError(`KMS key ${keyId}: ${errorMessage(err)}`, {cause: err})
  }
}

export interface PrepareAssetsOptions {
  cluster: Cluster
  material: ClusterMaterial
  /** Where ciphertexts are cached. */
  store: StateStore
  aws: AwsClients
  nodeAgent: RemoteFile
  /** An s3:// location instances can read. Default: the store's location. */
  stateStore?: string
  /** Default: the cluster's region. */
  stateStoreRegion?: string
  /** Default: `<spec.api.dnsName>:<spec.api.port>`. */
  apiEndpoint?: string
  /** Default: clusterKmsKey(cluster). */
  kmsKeyId?: string
}

export async function prepareClusterAssets(options: PrepareAssetsOptions): Promise<ClusterAssets> {
  const {cluster, material} = options
  const missing = ASSET_CATALOG.filter((a) => !material[a.name]).map((a) => a.name)
  if (missing.length > 0) {
    throw new KforgeError(
      `cluster ${cluster.name}: cannot render user-data without ${missing.join(', ')} (create the cluster's PKI and bootstrap token first)`,
    )
  }
  const kms = await options.aws.kms()
  // The key exists by now (the prerequisites made it, or the spec names it): NotFound is lag.
  const keyArn = await resolveKmsKey(kms, options.kmsKeyId ?? clusterKmsKey(cluster), options.aws.timings)
  const secrets = ASSET_CATALOG.filter((a) => a.secret)
  const encrypted: EncryptedAsset[] = await Promise.all(
    secrets.map(async (a) => {
      const {ciphertext} = await sealCached(
        options.store,
        kms,
        {keyId: keyArn, cluster: cluster.name, name: a.name},
        material[a.name]!,
      )
      return {name: a.name, path: a.path, mode: a.mode, roles: a.roles, ciphertext}
    }),
  )
  const pub: PublicAsset[] = ASSET_CATALOG.filter((a) => !a.secret).map((a) => ({
    name: a.name,
    path: a.path,
    mode: a.mode,
    roles: a.roles,
    content: material[a.name]!.toString('utf8'),
  }))
  return {
    kmsKeyId: keyArn,
    encrypted,
    public: pub,
    caPin: computePin(material['ca.crt']!.toString('utf8')),
    apiEndpoint: options.apiEndpoint ?? `${cluster.spec.api.dnsName}:${cluster.spec.api.port}`,
    stateStore: options.stateStore ?? options.store.location,
    ...(options.stateStoreRegion ? {stateStoreRegion: options.stateStoreRegion} : {}),
    nodeAgent: options.nodeAgent,
  }
}
