/**
 * The slice of the Kubernetes object model kforge reads and writes. Field names are the API's
 * JSON names; everything optional that the server may omit is optional here.
 */

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
}

export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
}

export interface KubeList<T> {
  apiVersion?: string
  kind?: string
  metadata: {resourceVersion?: string}
  items: T[]
}

/** The API's error and success envelope (meta/v1 Status). */
export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, unknown>
  status: 'Success' | 'Failure'
  message?: string
  reason?: string
  details?: {
    name?: string
    group?: string
    kind?: string
    uid?: string
    causes?: {reason?: string; message?: string; field?: string}[]
  }
  code: number
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>
  binaryData?: Record<string, string>
}

export interface Secret extends KubeObject {
  type?: string
  /** base64 values */
  data?: Record<string, string>
  stringData?: Record<string, string>
}

export interface Taint {
  key: string
  value?: string
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'
}

export interface Toleration {
  key?: string
  operator?: 'Exists' | 'Equal'
  value?: string
  effect?: string
  /** NoExecute only: how long the pod stays once the taint appears. */
  tolerationSeconds?: number
}

export interface NodeCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason?: string
  message?: string
  lastHeartbeatTime?: string
  lastTransitionTime?: string
}

export interface Node extends KubeObject {
  spec?: {taints?: Taint[]; unschedulable?: boolean; podCIDR?: string; providerID?: string}
  status?: {
    conditions?: NodeCondition[]
    addresses?: {type: string; address: string}[]
    nodeInfo?: Record<string, string>
  }
}

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: {fieldRef?: {fieldPath: string; apiVersion?: string}}
}

export interface VolumeMount {
  name: string
  mountPath: string
  readOnly?: boolean
  mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional'
}

export interface Volume {
  name: string
  hostPath?: {path: string; type?: string}
  configMap?: {name: string}
  secret?: {secretName: string}
  emptyDir?: Record<string, unknown>
  projected?: Record<string, unknown>
  downwardAPI?: Record<string, unknown>
}

export interface Container {
  name: string
  image?: string
  command?: string[]
  args?: string[]
  env?: EnvVar[]
  volumeMounts?: VolumeMount[]
  ports?: {containerPort: number; hostPort?: number; name?: string; protocol?: string}[]
  resources?: Record<string, unknown>
  livenessProbe?: Record<string, unknown>
  readinessProbe?: Record<string, unknown>
  startupProbe?: Record<string, unknown>
  securityContext?: Record<string, unknown>
  imagePullPolicy?: string
}

export interface NodeSelectorRequirement {
  key: string
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'
  values?: string[]
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: {
      nodeSelectorTerms: {
        matchExpressions?: NodeSelectorRequirement[]
        matchFields?: NodeSelectorRequirement[]
      }[]
    }
  }
  podAntiAffinity?: {
    preferredDuringSchedulingIgnoredDuringExecution?: {
      weight: number
      podAffinityTerm: {labelSelector: {matchLabels: Record<string, string>}; topologyKey: string}
    }[]
  }
}

export interface PodSpec {
  nodeName?: string
  nodeSelector?: Record<string, string>
  tolerations?: Toleration[]
  affinity?: Affinity
  hostNetwork?: boolean
  dnsPolicy?: string
  priorityClassName?: string
  priority?: number
  serviceAccountName?: string
  /** Deprecated alias of serviceAccountName, still filled in by the API server. */
  serviceAccount?: string
  automountServiceAccountToken?: boolean
  securityContext?: Record<string, unknown>
  containers: Container[]
  initContainers?: Container[]
  volumes?: Volume[]
}

export interface PodCondition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason?: string
  message?: string
  lastTransitionTime?: string
}

export interface Pod extends KubeObject {
  spec: PodSpec
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'
    conditions?: PodCondition[]
    hostIP?: string
    podIP?: string
    startTime?: string
    reason?: string
    message?: string
    containerStatuses?: {
      name: string
      ready: boolean
      restartCount: number
      state?: Record<string, unknown>
    }[]
  }
}

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: NodeSelectorRequirement[]
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta
  spec: PodSpec
}

export interface DaemonSet extends KubeObject {
  spec: {
    selector: LabelSelector
    template: PodTemplateSpec
    updateStrategy?: {
      type: 'RollingUpdate' | 'OnDelete'
      rollingUpdate?: {maxUnavailable?: number | string; maxSurge?: number | string}
    }
    minReadySeconds?: number
    revisionHistoryLimit?: number
  }
  status?: {
    currentNumberScheduled: number
    desiredNumberScheduled: number
    numberMisscheduled: number
    numberReady: number
    updatedNumberScheduled?: number
    numberAvailable?: number
    numberUnavailable?: number
    observedGeneration?: number
  }
}

export interface Deployment extends KubeObject {
  spec: {
    replicas?: number
    selector: LabelSelector
    template: PodTemplateSpec
    strategy?: Record<string, unknown>
  }
  status?: Record<string, unknown>
}

export interface ServicePort {
  name?: string
  port: number
  targetPort?: number | string
  protocol?: 'TCP' | 'UDP' | 'SCTP'
}

export interface Service extends KubeObject {
  spec: {
    selector?: Record<string, string>
    clusterIP?: string
    ports: ServicePort[]
    type?: string
  }
}

export interface ServiceAccount extends KubeObject {}

export interface PolicyRule {
  verbs: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}

export interface Role extends KubeObject {
  rules?: PolicyRule[]
}

export type ClusterRole = Role

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount'
  name: string
  apiGroup?: string
  namespace?: string
}

export interface RoleBinding extends KubeObject {
  roleRef: {apiGroup: string; kind: 'Role' | 'ClusterRole'; name: string}
  subjects?: Subject[]
}

export type ClusterRoleBinding = RoleBinding

export interface CertificateSigningRequestCondition {
  type: 'Approved' | 'Denied' | 'Failed'
  status: 'True' | 'False' | 'Unknown'
  reason?: string
  message?: string
  lastUpdateTime?: string
  lastTransitionTime?: string
}

export interface CertificateSigningRequest extends KubeObject {
  spec: {
    /** base64 of the PEM CERTIFICATE REQUEST */
    request: string
    signerName: string
    usages?: string[]
    expirationSeconds?: number
    /** set by the API server from the requester's identity */
    username?: string
    uid?: string
    groups?: string[]
    extra?: Record<string, string[]>
  }
  status?: {
    conditions?: CertificateSigningRequestCondition[]
    /** base64 of the PEM certificate, set by the signer */
    certificate?: string
  }
}

export interface StorageClass extends KubeObject {
  provisioner: string
  parameters?: Record<string, string>
  reclaimPolicy?: string
  volumeBindingMode?: string
  allowVolumeExpansion?: boolean
}

export interface CSIDriver extends KubeObject {
  spec: {attachRequired?: boolean; podInfoOnMount?: boolean; fsGroupPolicy?: string}
}

export interface Namespace extends KubeObject {}

/** admissionregistration.k8s.io/v1, the fields kforge sets (src/kube/manifests/pod-identity-webhook.ts). */
export interface MutatingWebhook {
  name: string
  clientConfig: {
    url?: string
    service?: {namespace: string; name: string; path?: string; port?: number}
    caBundle?: string
  }
  rules: {
    operations: string[]
    apiGroups: string[]
    apiVersions: string[]
    resources: string[]
    scope?: string
  }[]
  admissionReviewVersions: string[]
  sideEffects: 'None' | 'NoneOnDryRun'
  failurePolicy?: 'Ignore' | 'Fail'
  matchPolicy?: 'Exact' | 'Equivalent'
  reinvocationPolicy?: 'Never' | 'IfNeeded'
  timeoutSeconds?: number
  namespaceSelector?: LabelSelectorWithExpressions
  objectSelector?: LabelSelectorWithExpressions
}

export interface LabelSelectorWithExpressions {
  matchLabels?: Record<string, string>
  matchExpressions?: NodeSelectorRequirement[]
}

export interface MutatingWebhookConfiguration extends KubeObject {
  webhooks: MutatingWebhook[]
}
