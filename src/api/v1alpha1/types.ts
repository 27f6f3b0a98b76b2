/**
 * The kforge.dev/v1alpha1 API: a Cluster and its InstanceGroups, as users write them in YAML.
 *
 * Fields marked optional may be omitted in a file; `applyDefaults` (defaults.ts) fills every one
 * of them, so code after the validation boundary works on `ClusterSpec` with everything set.
 * Each field documents its default.
 */

export const API_VERSION = 'kforge.dev/v1alpha1'
export type Kind = 'Cluster' | 'InstanceGroup'

export interface ObjectMeta {
  /** Cluster: a DNS name (`demo.example.com`). InstanceGroup: a DNS label (`nodes-us-east-1a`). */
  name: string
  labels?: Record<string, string>
}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface ClusterDocument {
  apiVersion: typeof API_VERSION
  kind: 'Cluster'
  metadata: ObjectMeta
  spec: ClusterSpecInput
}

export interface ClusterSpecInput {
  /** `vX.Y.Z` within the supported minors (versions.ts). Default: DEFAULT_KUBERNETES_VERSION. */
  kubernetesVersion?: string
  cloud: CloudSpecInput
  networking?: NetworkingSpecInput
  topology?: TopologySpecInput
  api?: ApiSpecInput
  /**
   * CIDRs allowed to SSH (22/tcp): to the bastion when there is one, else to every node of a
   * public topology with a key pair. Its own list, not api.access: an API open to the world must
   * not open SSH with it. Default: [] (SSH closed; use SSM Session Manager).
   */
  sshAccess?: string[]
  dns?: DnsSpecInput
  etcd?: EtcdSpecInput
  addons?: AddonsSpecInput
  /** Move the control plane into DaemonSets after init (bootkube-style pivot). Default: false */
  selfHosted?: boolean
  /** Install node software from this mirror instead of the public repositories. Default: none */
  mirror?: MirrorSpec
  /**
   * Publish the service-account issuer (OIDC discovery document and JWKS) so that AWS can trust
   * tokens the cluster signs (kops's field). Default: none (the issuer stays in-cluster).
   */
  serviceAccountIssuerDiscovery?: ServiceAccountIssuerDiscoverySpecInput
  /** IAM for workloads: service accounts mapped to IAM roles (IRSA). Default: none */
  iam?: IamSpecInput
}

export interface ServiceAccountIssuerDiscoverySpecInput {
  /**
   * `s3://bucket[/prefix]`: where the discovery document and JWKS are published. The bucket must
   * allow anonymous reads of that prefix, be in the cluster's region, and must not be the state
   * store's bucket (which blocks public access).
   */
  discoveryStore: string
  /** Create an IAM OIDC identity provider that trusts the issuer (client id sts.amazonaws.com). Default: false */
  enableAWSOIDCProvider?: boolean
}

/** One service account mapped to an IAM role (kops's serviceAccountExternalPermissions). */
export interface ServiceAccountExternalPermission {
  /** The ServiceAccount's name. */
  name: string
  /** The ServiceAccount's namespace. */
  namespace: string
  aws: {
    /** ARNs of managed policies attached to the service account's role. At least one. */
    policyARNs: string[]
  }
}

export interface IamSpecInput {
  /** Service accounts whose pods assume an IAM role of their own. Needs enableAWSOIDCProvider. Default: [] */
  serviceAccountExternalPermissions?: ServiceAccountExternalPermission[]
}

/** One file on a mirror: its path under `baseUrl` and the SHA-256 instances check it against. */
export interface MirrorArtifact {
  /** Relative to `baseUrl`, e.g. `kubernetes/v1.37.2/amd64/kubelet`. */
  path: string
  /** Lowercase hex SHA-256 of the file; an instance refuses a file that does not match. */
  sha256: string
}

/**
 * Private and air-gapped clusters: instances fetch static binaries from this mirror (each checked
 * against its SHA-256) instead of apt repositories on the internet. Every artifact is required.
 */
export interface MirrorSpec {
  /** `https://host/path`, or `s3://bucket/prefix` (fetched with the instance role). */
  baseUrl: string
  /** The kubelet binary for spec.kubernetesVersion. */
  kubelet: MirrorArtifact
  /** The kubectl binary for spec.kubernetesVersion. */
  kubectl: MirrorArtifact
  /** A containerd release tarball (`containerd-X.Y.Z-linux-amd64.tar.gz`, unpacked into /usr/local). */
  containerd: MirrorArtifact
  /** The runc binary. */
  runc: MirrorArtifact
  /** A CNI plugins tarball (`cni-plugins-linux-amd64-vX.Y.Z.tgz`, unpacked into /opt/cni/bin). */
  cniPlugins: MirrorArtifact
  /** A Node.js linux-x64 tarball (`node-vX.Y.Z-linux-x64.tar.gz`) for the kforge node agent. */
  nodejs: MirrorArtifact
}

/** The artifacts of a mirror, in the order specs render them. */
export const MIRROR_ARTIFACTS = ['kubelet', 'kubectl', 'containerd', 'runc', 'cniPlugins', 'nodejs'] as const
export type MirrorArtifactName = (typeof MIRROR_ARTIFACTS)[number]
// A field added to MirrorSpec without being listed above fails to compile here.
type UnlistedArtifact = Exclude<keyof MirrorSpec, 'baseUrl' | MirrorArtifactName>
export const MIRROR_ARTIFACTS_COMPLETE: [UnlistedArtifact] extends [never] ? true : never = true

/** A deep copy with its fields in a fixed order: baseUrl, then each artifact's path and sha256. */
export function copyMirror(m: MirrorSpec): MirrorSpec {
  const artifacts = MIRROR_ARTIFACTS.map((name) => [name, {path: m[name].path, sha256: m[name].sha256}])
  return {baseUrl: m.baseUrl, ...(Object.fromEntries(artifacts) as Omit<MirrorSpec, 'baseUrl'>)}
}

export interface CloudSpecInput {
  /** Only `aws` today; kept as a discriminator so another provider is a compiler-checked addition. */
  provider?: 'aws'
  aws: AwsSpecInput
}

export interface AwsSpecInput {
  /** Default: the zones' region (`us-east-1a` → `us-east-1`). */
  region?: string
  /** Availability zones, all in `region`. At least one. */
  zones: string[]
  /** An existing VPC to use (tagged `shared`, never deleted). Default: kforge creates one. */
  vpcId?: string
  /** Customer-managed KMS key for asset encryption. Default: kforge creates a key and alias. */
  kmsKeyArn?: string
  /** Machine image. Default: lookup of the newest Ubuntu 24.04 amd64 image from Canonical. */
  image?: ImageSpec
  /** SSH access. Default: no key pair (use SSM Session Manager). */
  sshKey?: SshKeySpec
}

export type ImageSpec =
  | {id: string; lookup?: undefined}
  | {id?: undefined; lookup: {owner: string; namePattern: string}}

export interface SshKeySpec {
  /** An OpenSSH public key; kforge imports it as EC2 key pair `kforge-<cluster>`. */
  publicKey?: string
  /** An existing EC2 key pair name. */
  name?: string
}

export type SubnetType = 'public' | 'private' | 'utility'

export interface SubnetSpec {
  /** Unique name, referred to by InstanceGroups. Default naming: `<zone>` or `utility-<zone>`. */
  name: string
  zone: string
  type: SubnetType
  /** Inside networking.networkCIDR, disjoint from every other subnet. Default: carved in order. */
  cidr?: string
  /** An existing subnet id (with cloud.aws.vpcId); marked shared, never deleted. */
  id?: string
}

export type CniPlugin = 'calico' | 'cilium' | 'flannel' | 'amazon-vpc' | 'hostgw'

export interface NetworkingSpecInput {
  /** VPC CIDR. Default: 10.0.0.0/16 */
  networkCIDR?: string
  /** Default: one subnet per zone (public topology), or private + utility per zone (private). */
  subnets?: SubnetSpec[]
  /** Pod network; must not overlap the VPC or services. Default: 100.96.0.0/11 */
  podCIDR?: string
  /** Service network. Default: 100.64.0.0/13 */
  serviceCIDR?: string
  /** Default: cluster.local */
  dnsDomain?: string
  /** Default: flannel (calico, cilium and amazon-vpc are refused until kforge installs them whole) */
  cni?: CniPlugin
}

export type TopologyType = 'public' | 'private'

export interface TopologySpecInput {
  /** public: nodes in public subnets. private: nodes in private subnets behind NAT. Default: public */
  type?: TopologyType
  /** A bastion group in the utility subnets. Default: false */
  bastion?: boolean
}

/**
 * How clients reach the API. Only `loadBalancer` today; `dns` (records pointing straight at the
 * control-plane nodes) was removed because nothing kept those records current (RETIRED_ENDPOINTS).
 */
export type ApiEndpointType = 'loadBalancer'

export interface ApiSpecInput {
  /** CIDRs allowed to reach the API port. Default: [0.0.0.0/0] */
  access?: string[]
  /** Default: `api.<cluster name>` */
  dnsName?: string
  /** loadBalancer: an NLB in front of the control plane. Default: loadBalancer */
  endpoint?: ApiEndpointType
  /** Default: 6443 */
  port?: number
}

export type DnsZoneType = 'public' | 'private' | 'none'

export interface DnsSpecInput {
  /** Route53 hosted zone name. Default: the cluster name's parent domain (`example.com`). */
  zone?: string
  /** none: no Route53 records (gossip-free; endpoint by load balancer DNS name). Default: public */
  type?: DnsZoneType
}

export interface EtcdSpecInput {
  /** Default: the etcd version kubeadm pairs with the Kubernetes minor (versions.ts). */
  version?: string
  /** GiB of each control-plane member's etcd EBS volume (gp3, encrypted). Default: 20 (GiB). Grows only. */
  volumeSize?: number
  /** Scheduled snapshots to the state store, taken on the control-plane nodes. */
  backups?: EtcdBackupsInput
}

export interface EtcdBackupsInput {
  /** Default: true */
  enabled?: boolean
  /** A systemd OnCalendar expression. Default: `*:0/15` (every 15 minutes, as kops's etcd-manager) */
  schedule?: string
  retention?: EtcdBackupRetentionInput
  /**
   * `kforge validate cluster` fails when the newest backup is older than this (or, before the
   * first, the cluster's init): backups that stopped are found before they are needed. Default: 1h
   */
  staleAfter?: string
}

/**
 * Which scheduled backups are kept, by age (durations like 90m, 36h, 7d; 0 for none): every one
 * younger than `all`, then the newest of each hour younger than `hourly`, then the newest of each
 * day younger than `daily`. The newest backup is never pruned.
 */
export interface EtcdBackupRetentionInput {
  /** Default: 1h */
  all?: string
  /** Default: 7d */
  hourly?: string
  /** Default: 30d */
  daily?: string
}

export interface EtcdBackups {
  enabled: boolean
  schedule: string
  retention: Required<EtcdBackupRetentionInput>
  staleAfter: string
}

export interface AddonToggle {
  enabled?: boolean
}

export interface AddonsSpecInput {
  /** Default: enabled */
  cloudControllerManager?: AddonToggle
  /** Default: enabled */
  coreDNS?: AddonToggle
  /** Default: enabled */
  kubeProxy?: AddonToggle
  /** Default: enabled, with a default StorageClass (gp3, encrypted) */
  ebsCSI?: AddonToggle & {defaultStorageClass?: boolean}
  /** Default: disabled */
  dashboard?: AddonToggle
}

// ---------------------------------------------------------------------------------------------
// InstanceGroup

export type InstanceGroupRole = 'control-plane' | 'node' | 'bastion'

export interface InstanceGroupDocument {
  apiVersion: typeof API_VERSION
  kind: 'InstanceGroup'
  /** metadata.labels["kforge.dev/cluster"] names the cluster (set by defaults). */
  metadata: ObjectMeta
  spec: InstanceGroupSpecInput
}

export interface RootVolumeSpec {
  /** GiB. Default: 64 (control-plane), 128 (node), 16 (bastion) */
  size?: number
  /** Default: gp3 */
  type?: 'gp3' | 'gp2' | 'io1' | 'io2'
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'

export interface Taint {
  key: string
  value?: string
  effect: TaintEffect
}

/** The instance metadata service (IMDS) as the group's launch template sets it. */
export interface InstanceMetadataSpec {
  /**
   * How many network hops a metadata answer may travel. 1 keeps pods (one hop further, behind
   * the container bridge) away from the node's role credentials; 2 lets pods that need them
   * (outside hostNetwork) reach IMDS. Between 1 and 64. Default: 1
   */
  httpPutResponseHopLimit?: number
  /** required: IMDSv2 session tokens only. optional: IMDSv1 allowed too. Default: required */
  httpTokens?: HttpTokens
}

export type HttpTokens = 'required' | 'optional'
export type OnDemandAllocationStrategy = 'prioritized' | 'lowest-price'
export type SpotAllocationStrategy =
  | 'price-capacity-optimized'
  | 'capacity-optimized'
  | 'capacity-optimized-prioritized'
  | 'lowest-price'

/**
 * Several instance types and spot capacity in one group (kops's mixedInstancesPolicy): the
 * auto-scaling group launches from the group's launch template with these types as overrides.
 */
export interface MixedInstancesPolicySpecInput {
  /** EC2 instance types, in priority order (the first is preferred on demand). 1 to 40. */
  instances: string[]
  /** On-demand instances before any spot: the group's floor of on-demand capacity. Default: 0 */
  onDemandBase?: number
  /** Percentage of the capacity above onDemandBase that runs on demand (0 to 100). Default: 100 */
  onDemandAboveBase?: number
  /** Default: prioritized (the order of `instances`) */
  onDemandAllocationStrategy?: OnDemandAllocationStrategy
  /** Default: price-capacity-optimized (AWS's recommendation: fewest interruptions at a low price) */
  spotAllocationStrategy?: SpotAllocationStrategy
  /** With spotAllocationStrategy lowest-price only: how many of the cheapest pools to spread over (1 to 20). Default: 2 */
  spotInstancePools?: number
}

export interface InstanceGroupSpecInput {
  role: InstanceGroupRole
  /** Default: t3.medium (control-plane, node), t3.micro (bastion) */
  machineType?: string
  /** Default: 1 (control-plane, bastion), 2 (node) */
  minSize?: number
  /** Default: minSize */
  maxSize?: number
  /** Names of cluster subnets. A control-plane group lives in exactly one. Default: by role and topology. */
  subnets?: string[]
  /**
   * Input shorthand for `subnets`: the group's subnets of its role's type in these zones
   * (control-plane/node: private or public by topology; bastion: utility). Not kept after defaults.
   */
  zones?: string[]
  /** Overrides cloud.aws.image for this group. */
  image?: ImageSpec
  rootVolume?: RootVolumeSpec
  /** Kubernetes node labels. Default: {} */
  nodeLabels?: Record<string, string>
  /** Kubernetes node taints. Default: [] (control-plane taint is added by init, as kubeadm does) */
  taints?: Taint[]
  /** Extra AWS tags on the group's instances. Default: {} */
  cloudLabels?: Record<string, string>
  /**
   * A cloud-config fragment (YAML text) appended to the group's rendered cloud-config, for keys
   * kforge does not set itself (packages, users, ntp, ...). Checked by `kforge validate`. Default: none
   */
  additionalCloudConfig?: string
  /** Instance metadata options. Default: {httpPutResponseHopLimit: 1, httpTokens: required} */
  instanceMetadata?: InstanceMetadataSpec
  /** Mixed instance types and spot capacity. Default: none (on-demand spec.machineType only) */
  mixedInstancesPolicy?: MixedInstancesPolicySpecInput
  /**
   * The most to pay for a spot instance-hour, in USD (`"0.05"`); needs mixedInstancesPolicy.
   * Default: none (AWS caps spot at the on-demand price)
   */
  maxPrice?: string
}

// ---------------------------------------------------------------------------------------------
// After defaults: every field set. Code past validation works on these.

export interface AwsSpec extends Required<Omit<AwsSpecInput, 'vpcId' | 'kmsKeyArn' | 'sshKey'>> {
  vpcId?: string
  kmsKeyArn?: string
  sshKey?: SshKeySpec
}

export interface NetworkingSpec extends Required<Omit<NetworkingSpecInput, 'subnets'>> {
  subnets: Array<SubnetSpec & {cidr: string}>
}

export interface AddonsSpec {
  cloudControllerManager: {enabled: boolean}
  coreDNS: {enabled: boolean}
  kubeProxy: {enabled: boolean}
  ebsCSI: {enabled: boolean; defaultStorageClass: boolean}
  dashboard: {enabled: boolean}
}

export interface ClusterSpec {
  kubernetesVersion: string
  cloud: {provider: 'aws'; aws: AwsSpec}
  networking: NetworkingSpec
  topology: Required<TopologySpecInput>
  api: Required<ApiSpecInput>
  sshAccess: string[]
  dns: Required<DnsSpecInput>
  etcd: Required<Omit<EtcdSpecInput, 'backups'>> & {backups: EtcdBackups}
  addons: AddonsSpec
  selfHosted: boolean
  mirror?: MirrorSpec
  serviceAccountIssuerDiscovery?: Required<ServiceAccountIssuerDiscoverySpecInput>
  /** Only when the spec maps service accounts. */
  iam?: Required<IamSpecInput>
}

export interface InstanceGroupSpec {
  role: InstanceGroupRole
  machineType: string
  minSize: number
  maxSize: number
  subnets: string[]
  image?: ImageSpec
  rootVolume: Required<RootVolumeSpec>
  nodeLabels: Record<string, string>
  taints: Taint[]
  cloudLabels: Record<string, string>
  additionalCloudConfig?: string
  instanceMetadata: Required<InstanceMetadataSpec>
  mixedInstancesPolicy?: MixedInstancesPolicy
  maxPrice?: string
}

/** A mixed-instances policy after defaults: spotInstancePools only with lowest-price, where AWS uses it. */
export interface MixedInstancesPolicy
  extends Required<Omit<MixedInstancesPolicySpecInput, 'spotInstancePools'>> {
  spotInstancePools?: number
}

export interface InstanceGroup {
  name: string
  spec: InstanceGroupSpec
  /** metadata.labels, always including `kforge.dev/cluster: <cluster name>` after defaults. */
  labels?: Record<string, string>
}

/** A complete, defaulted, validated cluster: what every phase after parsing receives. */
export interface Cluster {
  name: string
  spec: ClusterSpec
  instanceGroups: InstanceGroup[]
  /** metadata.labels as the user wrote them. Default: none */
  labels?: Record<string, string>
}
