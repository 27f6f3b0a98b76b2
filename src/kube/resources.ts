/**
 * Where each kind lives in the REST API: `/api/v1/...` for the core group, `/apis/<group>/<version>/...`
 * otherwise. A descriptor carries its object type as a phantom so the client's methods are typed.
 */
import type {
  CertificateSigningRequest,
  ClusterRole,
  ClusterRoleBinding,
  ConfigMap,
  CSIDriver,
  DaemonSet,
  Deployment,
  KubeObject,
  MutatingWebhookConfiguration,
  Namespace,
  Node,
  Pod,
  Role,
  RoleBinding,
  Secret,
  Service,
  ServiceAccount,
  StorageClass,
} from './types.js'

export interface ResourceType<T extends KubeObject = KubeObject> {
  /** '' for the core group */
  readonly group: string
  readonly version: string
  readonly plural: string
  readonly kind: string
  readonly namespaced: boolean
  /** phantom: never set, carries T */
  readonly _type?: T
}

function res<T extends KubeObject>(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
): ResourceType<T> {
  return {group, version, plural, kind, namespaced}
}

export const Namespaces = res<Namespace>('', 'v1', 'namespaces', 'Namespace', false)
export const ConfigMaps = res<ConfigMap>('', 'v1', 'configmaps', 'ConfigMap', true)
export const Secrets = res<Secret>('', 'v1', 'secrets', 'Secret', true)
export const Nodes = res<Node>('', 'v1', 'nodes', 'Node', false)
export const Pods = res<Pod>('', 'v1', 'pods', 'Pod', true)
export const Services = res<Service>('', 'v1', 'services', 'Service', true)
export const ServiceAccounts = res<ServiceAccount>('', 'v1', 'serviceaccounts', 'ServiceAccount', true)
export const DaemonSets = res<DaemonSet>('apps', 'v1', 'daemonsets', 'DaemonSet', true)
export const Deployments = res<Deployment>('apps', 'v1', 'deployments', 'Deployment', true)
export const Roles = res<Role>('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true)
export const RoleBindings = res<RoleBinding>(
  'rbac.authorization.k8s.io',
  'v1',
  'rolebindings',
  'RoleBinding',
  true,
)
export const ClusterRoles = res<ClusterRole>(
  'rbac.authorization.k8s.io',
  'v1',
  'clusterroles',
  'ClusterRole',
  false,
)
export const ClusterRoleBindings = res<ClusterRoleBinding>(
  'rbac.authorization.k8s.io',
  'v1',
  'clusterrolebindings',
  'ClusterRoleBinding',
  false,
)
export const CertificateSigningRequests = res<CertificateSigningRequest>(
  'certificates.k8s.io',
  'v1',
  'certificatesigningrequests',
  'CertificateSigningRequest',
  false,
)
export const StorageClasses = res<StorageClass>(
  'storage.k8s.io',
  'v1',
  'storageclasses',
  'StorageClass',
  false,
)
export const CSIDrivers = res<CSIDriver>('storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false)

export const MutatingWebhookConfigurations = res<MutatingWebhookConfiguration>(
  'admissionregistration.k8s.io',
  'v1',
  'mutatingwebhookconfigurations',
  'MutatingWebhookConfiguration',
  false,
)

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`
}

/** The REST path of a collection (no name) or an object, with an optional subresource. */
export function resourcePath(
  type: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`
  if (type.namespaced && !namespace && name)
    throw new Error(`${type.plural} "${name}": a namespace is required`)
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''
  const obj = name === undefined ? '' : `/${encodeURIComponent(name)}`
  const sub = subresource ? `/${subresource}` : ''
  return `${base}${ns}/${type.plural}${obj}${sub}`
}

/** `kube-system/kubeadm-config` style name for messages. */
export function describeObject(
  type: ResourceType,
  namespace: string | undefined,
  name: string | undefined,
): string {
  const id = type.namespaced && namespace ? `${namespace}/${name ?? ''}` : (name ?? '')
  return `${type.kind} ${id}`.trim()
}
