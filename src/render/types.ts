/**
 * The user-data rendering API: what the resource model (launch templates), the CloudFormation
 * export and `kforge export userdata` pass in, and what they get back. Rendering is pure: the same
 * input gives the same bytes, so an unchanged cluster never churns its launch templates.
 */
import type {Cluster, InstanceGroup, InstanceGroupRole} from '../api/v1alpha1/types.js'

/**
 * A secret sealed with the cluster's KMS key, base64 fields. `kms`: KMS Encrypt's CiphertextBlob
 * (plaintext up to 4 KB). `envelope`: a KMS data key (GenerateDataKey, its encrypted form in
 * `dataKey`) sealed the plaintext with AES-256-GCM locally. Both bind the encryption context
 * `{"kforge.dev/cluster": <cluster>, "kforge.dev/asset": <name>}`, so a ciphertext cannot be
 * replayed as another asset or into another cluster.
 */
export type Ciphertext =
  | {scheme: 'kms'; keyId: string; blob: string}
  | {scheme: 'envelope'; keyId: string; dataKey: string; iv: string; tag: string; blob: string}

/** Which roles receive an asset. Bastions receive none. */
export type AssetRole = Exclude<InstanceGroupRole, 'bastion'>

/** A secret file an instance needs, encrypted; the node agent decrypts it into `path`. */
export interface EncryptedAsset {
  /** Catalogue name (`ca.key`, `bootstrap-token`); also the `kforge.dev/asset` encryption context. */
  name: string
  /** Absolute path on the instance. */
  path: string
  /** Octal file mode, `0600` for every secret. */
  mode: string
  roles: readonly AssetRole[]
  ciphertext: Ciphertext
}

/** A public file (CA certificate, service-account public key) written as-is. */
export interface PublicAsset {
  name: string
  path: string
  mode: string
  roles: readonly AssetRole[]
  content: string
}

/** A file instances fetch and check before use. */
export interface RemoteFile {
  /** `s3://bucket/key` (in the state store's region, fetched with the instance role) or `https://...`. */
  url: string
  /** Lowercase hex SHA-256 of the file. */
  sha256: string
}

/** Everything about a cluster an instance needs that is not in the spec. */
export interface ClusterAssets {
  /** ARN of the KMS key the secrets are sealed with; instance roles need kms:Decrypt on it. */
  kmsKeyId: string
  /** Secrets, sealed (never plaintext). */
  encrypted: readonly EncryptedAsset[]
  /** CA certificates and the service-account public key. */
  public: readonly PublicAsset[]
  /** `sha256:<hex>` of the cluster CA's public key (kubeadm's discovery pin). */
  caPin: string
  /** `host:port` instances use to reach the API server (init's controlPlaneEndpoint, join's target). */
  apiEndpoint: string
  /**
   * Where the cluster's state lives (`s3://bucket/prefix` or a directory). A cloud-config too large
   * for user-data is published there and fetched by a stub, which needs an s3:// store.
   */
  stateStore: string
  /** Region of the state store's bucket. Default: the cluster's region. */
  stateStoreRegion?: string
  /** The kforge node agent bundle (esbuild, single file) and its SHA-256. */
  nodeAgent: RemoteFile
}

export interface RenderInput {
  cluster: Cluster
  group: InstanceGroup
  assets: ClusterAssets
}

/** Which bootstrap an instance group runs. */
export type TemplateName = 'control-plane-init' | 'control-plane-join' | 'node' | 'bastion'

/**
 * How the cloud-config reaches the instance: `plain` (as is), `gzip` (cloud-init unpacks gzip
 * user-data itself), or `stub` (a small cloud-config that fetches the full one from the state
 * store and checks its SHA-256).
 */
export type Delivery = 'plain' | 'gzip' | 'stub'

export interface RenderedUserData {
  group: string
  template: TemplateName
  /** The full cloud-config, `#cloud-config` first: what `export userdata` writes for review. */
  cloudConfig: string
  /** SHA-256 hex of `cloudConfig`. */
  cloudConfigSha256: string
  /** The exact bytes EC2 receives (at most USER_DATA_LIMIT). */
  userData: Buffer
  /** `userData` base64-encoded: LaunchTemplateData.UserData and CloudFormation's UserData. */
  userDataBase64: string
  /** SHA-256 hex of `userData`. */
  sha256: string
  delivery: Delivery
  /**
   * With delivery `stub`: the state store object the stub fetches. It must be written before an
   * instance launches (`publishUserData`). Content-addressed: old launch template versions keep
   * working during a rolling update.
   */
  publish?: {key: string; body: string}
}

/** EC2's user-data limit: 16 KB of raw bytes, before base64 (EC2 User Guide, "instance user data"). */
export const USER_DATA_LIMIT = 16 * 1024

export interface InstanceFile {
  path: string
  /** Octal, quoted in the cloud-config. */
  mode: string
  content: string
}
