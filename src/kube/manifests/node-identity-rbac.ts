/**
 * RBAC for the tokens of kforge's node-identity service (src/identity): the same rights kubeadm
 * grants its node-token group (get nodes, post certificate requests, read the kubeadm and kubelet
 * configuration), in bindings of kforge's own, so kubeadm's objects stay exactly kubeadm's. Not
 * bound: `nodeclient` auto-approval. kube-controller-manager therefore leaves these tokens'
 * requests alone, and the service approves each only for the node name its token was issued for.
 * The service applies these itself when it starts.
 */
import {NODE_IDENTITY_GROUP} from '../../bootstrap/token.js'
import {clusterRoleBinding, group, roleBinding} from './rbac.js'
import type {ManifestSet} from './types.js'

export function nodeIdentityRbac(): ManifestSet {
  const joining = [group(NODE_IDENTITY_GROUP)]
  return [
    clusterRoleBinding('kforge:node-identity:kubelet-bootstrap', 'system:node-bootstrapper', joining),
    // kubeadm:get-nodes is kubeadm's ClusterRole (init's bootstrap-token phase makes it)
    clusterRoleBinding('kforge:node-identity:get-nodes', 'kubeadm:get-nodes', joining),
    roleBinding(
      'kube-system',
      'kforge:node-identity:kubeadm-config',
      {kind: 'Role', name: 'kubeadm:nodes-kubeadm-config'},
      joining,
    ),
    roleBinding(
      'kube-system',
      'kforge:node-identity:kubelet-config',
      {kind: 'Role', name: 'kubeadm:kubelet-config'},
      joining,
    ),
  ]
}
