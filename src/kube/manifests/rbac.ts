/** RBAC object builders in the shape kubeadm creates them. */
import {ClusterRoleBindings, ClusterRoles, RoleBindings, Roles} from '../resources.js'
import type {ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject} from '../types.js'
import type {Manifest} from './types.js'

const RBAC_GROUP = 'rbac.authorization.k8s.io'

export const group = (name: string): Subject => ({kind: 'Group', name, apiGroup: RBAC_GROUP})
export const user = (name: string): Subject => ({kind: 'User', name, apiGroup: RBAC_GROUP})
export const serviceAccount = (namespace: string, name: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  namespace,
})

export function clusterRole(name: string, rules: PolicyRule[]): Manifest<ClusterRole> {
  return {type: ClusterRoles, object: {metadata: {name}, rules}}
}

export function clusterRoleBinding(
  name: string,
  role: string,
  subjects: Subject[],
): Manifest<ClusterRoleBinding> {
  return {
    type: ClusterRoleBindings,
    object: {metadata: {name}, roleRef: {apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role}, subjects},
  }
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Manifest<Role> {
  return {type: Roles, object: {metadata: {name, namespace}, rules}}
}

export function roleBinding(
  namespace: string,
  name: string,
  ref: {kind: 'Role' | 'ClusterRole'; name: string},
  subjects: Subject[],
): Manifest<RoleBinding> {
  return {
    type: RoleBindings,
    object: {metadata: {name, namespace}, roleRef: {apiGroup: RBAC_GROUP, ...ref}, subjects},
  }
}

/** A rule that lets its subjects `get` exactly these named objects. */
export function getNamed(resource: string, names: string[], apiGroup = ''): PolicyRule {
  return {verbs: ['get'], apiGroups: [apiGroup], resources: [resource], resourceNames: names}
}
