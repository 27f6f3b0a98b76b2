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
 * `{"kforge.dev/cluster": <cluster>, "kforge.dev/asset": <name>}` (plus `"kforge.dev/role"` for
 * what instances open), so a ciphertext cannot be replayed as another asset, into another
 * cluster, or opened by another role.
 */
export type Ciphertext =
  | {scheme: 'kms'; keyId: string; blob: string}
  | {scheme: 'envelope'; keyId: string; dataKey: string; iv: string; tag: string; blob: string}

/** Which roles receive files from the provisioner. Bastions receive none. */
export type AssetRole = Exclude<InstanceGroupRole, 'bastion'>

/**
 * Where a role's instances fetch their files (src/assets/secrets-bundle.ts): a state-store object,
 * never the bytes themselves, so user-data carries no secret, sealed or not.
 */
export interface SecretsRef {
  /** The object's key in the state store: `<cluster>/secrets/<role>/<sha256>.json`. */
  key: string
  /** The same object as instances fetch it: `s3://bucket/prefix/<key>`. */
  url: string
  /** Lowercase hex SHA-256 of the object, checked before anything in it is used. */
  sha256: string
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
  /** ARN of the KMS key the secrets are sealed with; the control-plane role may decrypt with it. */
  kmsKeyId: string
  /** Per role, the bundle of its files in the state store; a role without files has none. */
  bundles: Readonly<Partial<Record<AssetRole, SecretsRef>>>
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
  /**
   * The AWS account the cluster's IAM roles are made in (sts:GetCallerIdentity of the
   * provisioner): the EBS CSI controller's role ARN names it in node.yaml. Only when the cluster
   * has that role (ebsCsiControllerHasOwnRole); rendering such a cluster without it is refused.
   */
  account?: string
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
