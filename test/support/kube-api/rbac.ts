/**
 * Authorization: the Node authorizer (simplified: a node may manage nodes, its pods, CSRs and
 * leases) followed by RBAC over the Role/ClusterRole/(Cluster)RoleBinding objects in the store.
 * The store is seeded with the bootstrap policy kube-apiserver reconciles at start (the subset
 * kubeadm relies on), labelled `kubernetes.io/bootstrapping=rbac-defaults` like the real ones.
 */
import type {PolicyRule, RoleBinding, Subject} from '../../../src/kube/types.js'
import type {UserInfo} from './auth.js'
import {resourceByKind} from './registry.js'
import type {Obj, Store} from './store.js'

export interface ResourceAttributes {
  verb: string
  apiGroup: string
  resource: string
  subresource?: string
  namespace?: string
  name?: string
}

export type Attributes = ResourceAttributes | {verb: string; path: string}

const DEFAULTS = {'kubernetes.io/bootstrapping': 'rbac-defaults'}
const ALL: PolicyRule[] = [
  {apiGroups: ['*'], resources: ['*'], verbs: ['*']},
  {nonResourceURLs: ['*'], verbs: ['*']},
]
const CSR = 'certificates.k8s.io'

const CLUSTER_ROLES: Record<string, PolicyRule[]> = {
  'cluster-admin': ALL,
  'system:public-info-viewer': [
    {nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get']},
  ],
  'system:discovery': [
    {nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*'], verbs: ['get']},
  ],
  'system:basic-user': [
    {
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      verbs: ['create'],
    },
  ],
  'system:node-bootstrapper': [
    {apiGroups: [CSR], resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch']},
  ],
  'system:certificates.k8s.io:certificatesigningrequests:nodeclient': [
    {apiGroups: [CSR], resources: ['certificatesigningrequests/nodeclient'], verbs: ['create']},
  ],
  'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient': [
    {apiGroups: [CSR], resources: ['certificatesigningrequests/selfnodeclient'], verbs: ['create']},
  ],
  'system:node-proxier': [
    {apiGroups: [''], resources: ['endpoints', 'services', 'nodes'], verbs: ['get', 'list', 'watch']},
    {apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update']},
  ],
  // The real roles are narrower; the double's controllers run in-process, so these only matter
  // to a test that talks to the API with controller-manager.conf or scheduler.conf.
  'system:kube-controller-manager': ALL,
  'system:kube-scheduler': ALL,
}

const CLUSTER_ROLE_BINDINGS: Record<string, {role: string; subjects: Subject[]}> = {
  'cluster-admin': {role: 'cluster-admin', subjects: [group('system:masters')]},
  'system:public-info-viewer': {
    role: 'system:public-info-viewer',
    subjects: [group('system:authenticated'), group('system:unauthenticated')],
  },
  'system:discovery': {role: 'system:discovery', subjects: [group('system:authenticated')]},
  'system:basic-user': {role: 'system:basic-user', subjects: [group('system:authenticated')]},
  'system:node-proxier': {role: 'system:node-proxier', subjects: [user('system:kube-proxy')]},
  'system:kube-controller-manager': {
    role: 'system:kube-controller-manager',
    subjects: [user('system:kube-controller-manager')],
  },
  'system:kube-scheduler': {role: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')]},
}

function group(name: string): Subject {
  return {kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io'}
}
function user(name: string): Subject {
  return {kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io'}
}

export function seedBootstrapPolicy(store: Store): void {
  for (const [name, rules] of Object.entries(CLUSTER_ROLES)) {
    store.create(resourceByKind('ClusterRole'), undefined, {metadata: {name, labels: DEFAULTS}, rules})
  }
  for (const [name, b] of Object.entries(CLUSTER_ROLE_BINDINGS)) {
    store.create(resourceByKind('ClusterRoleBinding'), undefined, {
      metadata: {name, labels: DEFAULTS},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.role},
      subjects: b.subjects,
    })
  }
  store.create(resourceByKind('Role'), 'kube-system', {
    metadata: {name: 'extension-apiserver-authentication-reader', labels: DEFAULTS},
    rules: [
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['extension-apiserver-authentication'],
        verbs: ['get', 'list', 'watch'],
      },
    ],
  })
}

export function authorize(store: Store, who: UserInfo, attrs: Attributes): boolean {
  if (who.groups.includes('system:masters')) return true
  if ('resource' in attrs && nodeAuthorizer(who, attrs)) return true
  const rules: PolicyRule[] = []
  for (const b of store.list(resourceByKind('ClusterRoleBinding')) as (Obj & RoleBinding)[]) {
    if (bound(b, who)) rules.push(...roleRules(store, b, undefined))
  }
  if ('resource' in attrs && attrs.namespace) {
    for (const b of store.list(resourceByKind('RoleBinding'), attrs.namespace) as (Obj & RoleBinding)[]) {
      if (bound(b, who)) rules.push(...roleRules(store, b, attrs.namespace))
    }
  }
  return rules.some((rule) => matches(rule, attrs))
}

function bound(b: RoleBinding, who: UserInfo): boolean {
  return (b.subjects ?? []).some((s) => {
    if (s.kind === 'User') return s.name === who.name
    if (s.kind === 'Group') return who.groups.includes(s.name)
    return who.name === `system:serviceaccount:${s.namespace}:${s.name}`
  })
}

function roleRules(store: Store, b: RoleBinding, namespace: string | undefined): PolicyRule[] {
  const role =
    b.roleRef.kind === 'ClusterRole'
      ? store.get(resourceByKind('ClusterRole'), undefined, b.roleRef.name)
      : store.get(resourceByKind('Role'), namespace, b.roleRef.name)
  return (role?.rules ?? []) as PolicyRule[]
}

function has(list: string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value)
}

function matches(rule: PolicyRule, attrs: Attributes): boolean {
  if (!has(rule.verbs, attrs.verb)) return false
  if ('path' in attrs) {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === attrs.path || (u.endsWith('*') && attrs.path.startsWith(u.slice(0, -1))),
    )
  }
  if (!has(rule.apiGroups, attrs.apiGroup)) return false
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource
  const resourceOk = (rule.resources ?? []).some(
    (r) =>
      r === '*' ||
      r === resource ||
      (attrs.subresource && r === `${attrs.resource}/*`) ||
      r === `*/${attrs.subresource}`,
  )
  if (!resourceOk) return false
  if (rule.resourceNames && rule.resourceNames.length > 0)
    return attrs.name !== undefined && rule.resourceNames.includes(attrs.name)
  return true
}

function nodeAuthorizer(who: UserInfo, a: ResourceAttributes): boolean {
  if (!who.groups.includes('system:nodes') || !who.name.startsWith('system:node:')) return false
  const read = ['get', 'list', 'watch'].includes(a.verb)
  if (a.apiGroup === '') {
    if (a.resource === 'nodes') return true
    if (a.resource === 'pods') return a.verb !== 'deletecollection'
    if (['services', 'endpoints'].includes(a.resource)) return read
    if (a.resource === 'events') return true
  }
  if (a.apiGroup === CSR && a.resource === 'certificatesigningrequests' && !a.subresource)
    return ['create', 'get', 'list', 'watch'].includes(a.verb)
  if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return true
  return false
}

export function forbiddenMessage(who: UserInfo, attrs: Attributes): string {
  if ('path' in attrs) return `forbidden: User "${who.name}" cannot ${attrs.verb} path "${attrs.path}"`
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope'
  const what = attrs.name
    ? `${attrs.resource}${attrs.apiGroup ? `.${attrs.apiGroup}` : ''} "${attrs.name}" is forbidden`
    : `${attrs.resource}${attrs.apiGroup ? `.${attrs.apiGroup}` : ''} is forbidden`
  return `${what}: User "${who.name}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.apiGroup}" ${scope}`
}
