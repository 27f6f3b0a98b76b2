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
  dns?: DnsSpecInput
  etcd?: EtcdSpecInput
  addons?: AddonsSpecInput
  /** Move the control plane into DaemonSets after init (bootkube-style pivot). Default: false */
  selfHosted?: boolean
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

export type CniPlugin = 'calico' | 'cilium' | 'flannel' | 'amazon-vpc'

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
  /** Default: calico */
  cni?: CniPlugin
}

export type TopologyType = 'public' | 'private'

export interface TopologySpecInput {
  /** public: nodes in public subnets. private: nodes in private subnets behind NAT. Default: public */
  type?: TopologyType
  /** A bastion group in the utility subnets. Default: false */
  bastion?: boolean
}

export type ApiEndpointType = 'loadBalancer' | 'dns'

export interface ApiSpecInput {
  /** CIDRs allowed to reach the API port. Default: [0.0.0.0/0] */
  access?: string[]
  /** Default: `api.<cluster name>` */
  dnsName?: string
  /** loadBalancer: an NLB in front of the control plane. dns: records point at the nodes. Default: loadBalancer */
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
  /** Default: 20 (GiB) */
  volumeSize?: number
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
  /** Overrides cloud.aws.image for this group. */
  image?: ImageSpec
  rootVolume?: RootVolumeSpec
  /** Kubernetes node labels. Default: {} */
  nodeLabels?: Record<string, string>
  /** Kubernetes node taints. Default: [] (control-plane taint is added by init, as kubeadm does) */
  taints?: Taint[]
  /** Extra AWS tags on the group's instances. Default: {} */
  cloudLabels?: Record<string, string>
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
  dns: Required<DnsSpecInput>
  etcd: Required<EtcdSpecInput>
  addons: AddonsSpec
  selfHosted: boolean
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
}

export interface InstanceGroup {
  name: string
  spec: InstanceGroupSpec
}

/** A complete, defaulted, validated cluster: what every phase after parsing receives. */
export interface Cluster {
  name: string
  spec: ClusterSpec
  instanceGroups: InstanceGroup[]
}
