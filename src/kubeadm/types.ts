/**
 * kubeadm's configuration as kforge works with it: one internal form that kubeadm.k8s.io/v1beta4
 * and v1 documents both read into (extraArgs as ordered name/value lists; v1 adds a merge method
 * per argument), with every default filled in by defaults.ts. Field docs give kubeadm's defaults.
 */
import type {BootstrapToken, TokenUsage} from '../bootstrap/token.js'
import type {EncryptionAlgorithm} from '../pki/keys.js'

/** What kubeadm v1.37 reads: v1beta4, and v1 (experimental: only with --allow-experimental-api). */
export const KUBEADM_API_VERSIONS = ['kubeadm.k8s.io/v1beta4', 'kubeadm.k8s.io/v1'] as const
export type KubeadmApiVersion = (typeof KUBEADM_API_VERSIONS)[number]
/** kubeadm registers it, but refuses it unless the command allows experimental APIs. */
export const EXPERIMENTAL_KUBEADM_API_VERSIONS: readonly KubeadmApiVersion[] = ['kubeadm.k8s.io/v1']

/**
 * Removed API versions, oldest first, each with the last kubeadm release whose `kubeadm config
 * migrate` reads it (kubeadm's cmd/kubeadm/app/util/config/common.go, oldKnownAPIVersions).
 */
export const REMOVED_KUBEADM_API_VERSIONS: readonly (readonly [apiVersion: string, migrateWith: string])[] = [
  ['kubeadm.k8s.io/v1alpha1', 'v1.11'],
  ['kubeadm.k8s.io/v1alpha2', 'v1.12'],
  ['kubeadm.k8s.io/v1alpha3', 'v1.14'],
  ['kubeadm.k8s.io/v1beta1', 'v1.15'],
  ['kubeadm.k8s.io/v1beta2', 'v1.22'],
  ['kubeadm.k8s.io/v1beta3', 'v1.36'],
]

/**
 * How a v1 argument combines with kubeadm's default of the same name: appended to it, prepended
 * to it, or (absent) replacing every default of that name.
 */
export type ArgMergeMethod = 'append' | 'prepend'

/** One command-line argument `--name=value`; names may repeat. */
export interface Arg {
  name: string
  value: string
  /** kubeadm.k8s.io/v1 only. Default: replace. */
  mergeMethod?: ArgMergeMethod
}

export interface HostPathMount {
  name: string
  hostPath: string
  mountPath: string
  /** Default: false */
  readOnly?: boolean
  /** Default: unset (kubelet's default, no check) */
  pathType?: string
}

/** A core/v1 EnvVar, kept as written (valueFrom passes through to the pod spec). */
export interface EnvVar {
  name: string
  value?: string
  valueFrom?: Record<string, unknown>
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'

export interface Taint {
  key: string
  value?: string
  effect: TaintEffect
  timeAdded?: string
}

export interface NodeRegistration {
  /** Default: this machine's hostname, lowercased. */
  name: string
  /** Default: unix:///var/run/containerd/containerd.sock */
  criSocket: string
  /** Default on control-plane nodes: node-role.kubernetes.io/control-plane:NoSchedule. `[]` means none. */
  taints: Taint[]
  kubeletExtraArgs: Arg[]
  ignorePreflightErrors: string[]
  /** Default: IfNotPresent */
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never'
  /** Default: true */
  imagePullSerial: boolean
}

export interface APIEndpoint {
  /** Default: the first non-internal IPv4 address of this machine. */
  advertiseAddress: string
  /** Default: 6443 */
  bindPort: number
}

export interface BootstrapTokenConfig {
  /** Default: a new random token. */
  token: BootstrapToken
  description?: string
  /** Default: 24h. 0 means never expires. Ignored when `expires` is set. */
  ttlMs: number
  expires?: Date
  /** Default: signing, authentication */
  usages: TokenUsage[]
  /** Default: system:bootstrappers:kubeadm:default-node-token */
  groups: string[]
}

/** `timeouts`, in milliseconds. */
export interface Timeouts {
  /** Default: 4m */
  controlPlaneComponentHealthCheck: number
  /** Default: 4m */
  kubeletHealthCheck: number
  /** Default: 1m */
  kubernetesAPICall: number
  /** Default: 2m */
  etcdAPICall: number
  /** Default: 5m */
  tlsBootstrap: number
  /** Default: 5m */
  discovery: number
  /** Default: 5m */
  upgradeManifests: number
}

export interface InitConfiguration {
  bootstrapTokens: BootstrapTokenConfig[]
  nodeRegistration: NodeRegistration
  localAPIEndpoint: APIEndpoint
  certificateKey?: string
  skipPhases: string[]
  patchesDirectory?: string
  timeouts: Timeouts
  dryRun: boolean
}

export interface ControlPlaneComponent {
  extraArgs: Arg[]
  extraVolumes: HostPathMount[]
  extraEnvs: EnvVar[]
}

export interface LocalEtcd {
  imageRepository?: string
  imageTag?: string
  /** Default: /var/lib/etcd */
  dataDir: string
  extraArgs: Arg[]
  extraEnvs: EnvVar[]
  serverCertSANs: string[]
  peerCertSANs: string[]
}

export interface ExternalEtcd {
  endpoints: string[]
  caFile: string
  certFile: string
  keyFile: string
}

export type Etcd = {local: LocalEtcd; external?: undefined} | {external: ExternalEtcd; local?: undefined}

export interface ClusterConfiguration {
  etcd: Etcd
  networking: {
    /** Default: 10.96.0.0/12 */
    serviceSubnet: string
    podSubnet?: string
    /** Default: cluster.local */
    dnsDomain: string
  }
  /** Default: DEFAULT_KUBERNETES_VERSION (src/api/versions.ts) */
  kubernetesVersion: string
  controlPlaneEndpoint?: string
  apiServer: ControlPlaneComponent & {certSANs: string[]}
  controllerManager: ControlPlaneComponent
  scheduler: ControlPlaneComponent
  dns: {disabled: boolean; imageRepository?: string; imageTag?: string}
  proxy: {disabled: boolean}
  /** Default: /etc/kubernetes/pki */
  certificatesDir: string
  /** Default: registry.k8s.io */
  imageRepository: string
  featureGates: Record<string, boolean>
  /** Default: kubernetes */
  clusterName: string
  /** Default: RSA-2048 */
  encryptionAlgorithm: EncryptionAlgorithm
  /** Default: 8760h (1 year) */
  certificateValidityMs: number
  /** Default: 87600h (10 years) */
  caCertificateValidityMs: number
}

export interface BootstrapTokenDiscovery {
  token: string
  apiServerEndpoint: string
  caCertHashes: string[]
  unsafeSkipCAVerification: boolean
}

export interface JoinConfiguration {
  /** Default: /etc/kubernetes/pki/ca.crt */
  caCertPath: string
  discovery: {
    bootstrapToken?: BootstrapTokenDiscovery
    file?: {kubeConfigPath: string}
    /** Default: discovery.bootstrapToken.token */
    tlsBootstrapToken?: string
  }
  nodeRegistration: NodeRegistration
  controlPlane?: {localAPIEndpoint: APIEndpoint; certificateKey?: string}
  skipPhases: string[]
  patchesDirectory?: string
  timeouts: Timeouts
  dryRun: boolean
}

/**
 * Everything a kubeadm config file held, shape-checked but not yet defaulted: plain objects, fed
 * to defaults.ts. v1beta4 and v1 documents may be mixed, as kubeadm reads each on its own.
 */
export interface KubeadmDocuments {
  init?: Record<string, unknown>
  cluster?: Record<string, unknown>
  join?: Record<string, unknown>
  /** kubelet.config.k8s.io/v1beta1 KubeletConfiguration, merged over kubeadm's kubelet defaults. */
  kubelet?: Record<string, unknown>
  /** kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration, for the kube-proxy addon. */
  kubeProxy?: Record<string, unknown>
  /** ResetConfiguration / UpgradeConfiguration, passed through for their commands. */
  reset?: Record<string, unknown>
  upgrade?: Record<string, unknown>
}
