/**
 * The resources the double serves, with the REST facts the real server has for them: group,
 * version, plural, kind, scope and which subresources exist. Kept separate from src/kube's table
 * on purpose: a wrong path in the client must fail here, not agree with itself.
 */
export interface ResourceInfo {
  group: string
  version: string
  plural: string
  kind: string
  namespaced: boolean
  /** `status` subresource present: PUT on the main resource keeps the live status */
  status: boolean
  extraSubresources?: string[]
}

const core = (plural: string, kind: string, namespaced: boolean, status = false): ResourceInfo => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced,
  status,
})

const RBAC = 'rbac.authorization.k8s.io'

export const RESOURCES: readonly ResourceInfo[] = [
  core('namespaces', 'Namespace', false, true),
  core('configmaps', 'ConfigMap', true),
  core('secrets', 'Secret', true),
  core('nodes', 'Node', false, true),
  {...core('pods', 'Pod', true, true), extraSubresources: ['eviction']},
  core('services', 'Service', true, true),
  core('serviceaccounts', 'ServiceAccount', true),
  core('endpoints', 'Endpoints', true),
  core('events', 'Event', true),
  {group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, status: true},
  {group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, status: true},
  {group: RBAC, version: 'v1', plural: 'roles', kind: 'Role', namespaced: true, status: false},
  {group: RBAC, version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true, status: false},
  {group: RBAC, version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false, status: false},
  {
    group: RBAC,
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
    status: false,
  },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    plural: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    namespaced: false,
    status: true,
    extraSubresources: ['approval'],
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    plural: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
    status: false,
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    plural: 'csidrivers',
    kind: 'CSIDriver',
    namespaced: false,
    status: false,
  },
  {
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    status: true,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    namespaced: true,
    status: false,
  },
]

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural)
}

export function resourceByKind(kind: string): ResourceInfo {
  const r = RESOURCES.find((x) => x.kind === kind)
  if (!r) throw new Error(`the double does not serve kind ${kind}`)
  return r
}

export function apiVersion(r: ResourceInfo): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`
}
