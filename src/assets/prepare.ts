/**
 * Gathering a cluster's assets for rendering: seal every secret of the catalogue with the
 * cluster's KMS key under its role's encryption context (through the ciphertext cache), bundle
 * each role's files into one state-store object (src/assets/secrets-bundle.ts), compute the CA
 * pin. The result is the `ClusterAssets` that `renderUserData` takes: references, no secret.
 */
import type {KMSClient} from '@aws-sdk/client-kms'
import {ebsCsiControllerHasOwnRole} from '../api/v1alpha1/identity.js'
import type {Cluster} from '../api/v1alpha1/types.js'
import {computePin} from '../bootstrap/pin.js'
import {callerAccount} from '../cloud/aws/account.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import {visible} from '../cloud/aws/model/wait.js'
import {clusterAlias} from '../cloud/aws/resources/kms.js'
import type {AssetRole, ClusterAssets, RemoteFile, SecretsRef} from '../render/types.js'
import type {StateStore} from '../state/store.js'
import {errorMessage, KforgeError} from '../util/errors.js'
import type {Timings} from '../util/timings.js'
import {sealCached} from './cache.js'
import {ASSET_CATALOG} from './catalog.js'
import {type BundleFile, encodeSecretsBundle, secretsRef} from './secrets-bundle.js'

/** Plaintext secret and public material by catalogue name (`ca.key`, `sa.pub`, ...). */
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
  /**
   * Write each role's bundle to the store (apply) when it is not there yet. Without it (a plan, an
   * export) only its reference is computed; `missingBundles` tells which are absent.
   */
  publish?: boolean
}

export async function prepareClusterAssets(options: PrepareAssetsOptions): Promise<ClusterAssets> {
  const {cluster, material} = options
  const missing = ASSET_CATALOG.filter((a) => !material[a.name]).map((a) => a.name)
  if (missing.length > 0) {
    throw new KforgeError(
      `cluster ${cluster.name}: cannot render user-data without ${missing.join(', ')} (create the cluster's PKI first)`,
    )
  }
  const kms = await options.aws.kms()
  // The key exists by now (the prerequisites made it, or the spec names it): NotFound is lag.
  const keyArn = await resolveKmsKey(kms, options.kmsKeyId ?? clusterKmsKey(cluster), options.aws.timings)
  const stateStore = options.stateStore ?? options.store.location
  const bundles: Partial<Record<AssetRole, SecretsRef>> = {}
  for (const role of ['control-plane', 'node'] as const) {
    const mine = ASSET_CATALOG.filter((a) => a.roles.includes(role))
    if (mine.length === 0) continue
    const files: BundleFile[] = await Promise.all(
      mine.map(async (a): Promise<BundleFile> => {
        const head = {name: a.name, path: a.path, mode: a.mode}
        if (!a.secret) return {...head, content: material[a.name]!.toString('utf8')}
        const {ciphertext} = await sealCached(
          options.store,
          kms,
          {keyId: keyArn, cluster: cluster.name, name: a.name, role},
          material[a.name]!,
        )
        return {...head, ciphertext}
      }),
    )
    const bundle = encodeSecretsBundle({cluster: cluster.name, role, files})
    if (options.publish && (await options.store.read(bundle.key)) === undefined) {
      await options.store.write(bundle.key, bundle.body)
    }
    bundles[role] = secretsRef(stateStore, bundle.key, bundle.sha256)
  }
  return {
    kmsKeyId: keyArn,
    bundles,
    caPin: computePin(material['ca.crt']!.toString('utf8')),
    apiEndpoint: options.apiEndpoint ?? `${cluster.spec.api.dnsName}:${cluster.spec.api.port}`,
    stateStore,
    ...(options.stateStoreRegion ? {stateStoreRegion: options.stateStoreRegion} : {}),
    nodeAgent: options.nodeAgent,
    // Asked only when node.yaml needs it: the EBS CSI controller's role ARN names the account.
    ...(ebsCsiControllerHasOwnRole(cluster.spec) ? {account: await callerAccount(options.aws)} : {}),
  }
}
