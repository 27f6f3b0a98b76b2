/**
 * The RBAC objects kubeadm creates during init (docs/kubeadm-compat.md): who may do what during node
 * bootstrap. Names, kinds and subjects are kubeadm's exactly.
 */
import {clusterRole, clusterRoleBinding, getNamed, group, role, roleBinding, user} from './rbac.js'
import type {ManifestSet} from './types.js'

export const NODE_BOOTSTRAP_GROUP = 'system:bootstrappers:kubeadm:default-node-token'
export const NODES_GROUP = 'system:nodes'
export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins'

/** ClusterRoleBinding kubeadm:cluster-admins: admin.conf's group gets cluster-admin. */
export function clusterAdminsBinding(): ManifestSet {
  return [clusterRoleBinding('kubeadm:cluster-admins', 'cluster-admin', [group(CLUSTER_ADMINS_GROUP)])]
}

/** The bootstrap-token phase's RBAC (cmd/kubeadm/app/phases/bootstraptoken/node and clusterinfo). */
export function bootstrapTokenRbac(): ManifestSet {
  return [
    clusterRole('kubeadm:get-nodes', [{verbs: ['get'], apiGroups: [''], resources: ['nodes']}]),
    clusterRoleBinding('kubeadm:get-nodes', 'kubeadm:get-nodes', [group(NODE_BOOTSTRAP_GROUP)]),
    clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [
      group(NODE_BOOTSTRAP_GROUP),
    ]),
    clusterRoleBinding(
      'kubeadm:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      [group(NODE_BOOTSTRAP_GROUP)],
    ),
    clusterRoleBinding(
      'kubeadm:node-autoapprove-certificate-rotation',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      [group(NODES_GROUP)],
    ),
  ]
}

export const CLUSTER_INFO_ROLE = 'kubeadm:bootstrap-signer-clusterinfo'

export function clusterInfoRbac(): ManifestSet {
  return [
    role('kube-public', CLUSTER_INFO_ROLE, [getNamed('configmaps', ['cluster-info'])]),
    roleBinding('kube-public', CLUSTER_INFO_ROLE, {kind: 'Role', name: CLUSTER_INFO_ROLE}, [
      user('system:anonymous'),
    ]),
  ]
}

export function kubeadmConfigRbac(): ManifestSet {
  const name = 'kubeadm:nodes-kubeadm-config'
  return [
    role('kube-system', name, [getNamed('configmaps', ['kubeadm-config'])]),
    roleBinding('kube-system', name, {kind: 'Role', name}, [group(NODE_BOOTSTRAP_GROUP), group(NODES_GROUP)]),
  ]
}

export function kubeletConfigRbac(): ManifestSet {
  const name = 'kubeadm:kubelet-config'
  return [
    role('kube-system', name, [getNamed('configmaps', ['kubelet-config'])]),
    roleBinding('kube-system', name, {kind: 'Role', name}, [group(NODES_GROUP), group(NODE_BOOTSTRAP_GROUP)]),
  ]
}

export function kubeadmCertsRbac(): ManifestSet {
  const name = 'kubeadm:kubeadm-certs'
  return [
    role('kube-system', name, [getNamed('secrets', ['kubeadm-certs'])]),
    roleBinding('kube-system', name, {kind: 'Role', name}, [group(NODE_BOOTSTRAP_GROUP)]),
  ]
}
