/**
 * The AWS cloud-controller-manager (kubernetes/cloud-provider-aws's kustomize base, trimmed to its
 * objects' names and essentials): ServiceAccount, ClusterRole and binding
 * `system:cloud-controller-manager`, the apiserver-authentication-reader RoleBinding, and a
 * DaemonSet on control-plane nodes that tolerates the uninitialized taint it exists to remove.
 * It runs with hostNetwork on the control plane because it calls AWS with the control-plane
 * instance role, which a pod outside the host's network cannot reach with IMDS hop limit 1.
 */
import {awsCcmImage} from './addon-images.js'
import {clusterRole, clusterRoleBinding, roleBinding, serviceAccount} from './rbac.js'
import type {ManifestSet} from './types.js'
import {CONTROL_PLANE_LABEL, CONTROL_PLANE_TOLERATION, daemonSetOf, serviceAccountOf} from './workloads.js'

export interface AwsCcmOptions {
  /** The kforge cluster's name: the CCM tags the load balancers it makes with it. */
  clusterName: string
  kubernetesVersion: string
}

export function awsCcmManifests(o: AwsCcmOptions): ManifestSet {
  const ns = 'kube-system'
  const sa = 'cloud-controller-manager'
  const labels = {'k8s-app': 'aws-cloud-controller-manager'}
  return [
    serviceAccountOf(ns, sa),
    clusterRole('system:cloud-controller-manager', [
      {apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update']},
      {apiGroups: [''], resources: ['nodes'], verbs: ['*']},
      {apiGroups: [''], resources: ['nodes/status'], verbs: ['patch']},
      {apiGroups: [''], resources: ['services'], verbs: ['list', 'patch', 'update', 'watch']},
      {apiGroups: [''], resources: ['services/status'], verbs: ['list', 'patch', 'update', 'watch']},
      {apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'get']},
      {apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'update', 'watch']},
      {apiGroups: [''], resources: ['endpoints'], verbs: ['create', 'get', 'list', 'watch', 'update']},
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['create', 'get', 'list', 'watch', 'update'],
      },
      {apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create']},
    ]),
    clusterRoleBinding('system:cloud-controller-manager', 'system:cloud-controller-manager', [
      serviceAccount(ns, sa),
    ]),
    roleBinding(
      ns,
      'cloud-controller-manager:apiserver-authentication-reader',
      {kind: 'Role', name: 'extension-apiserver-authentication-reader'},
      [serviceAccount(ns, sa)],
    ),
    daemonSetOf(ns, 'aws-cloud-controller-manager', labels, {
      nodeSelector: {[CONTROL_PLANE_LABEL]: ''},
      tolerations: [
        {key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule'},
        CONTROL_PLANE_TOLERATION,
      ],
      serviceAccountName: sa,
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: 'aws-cloud-controller-manager',
          image: awsCcmImage(o.kubernetesVersion),
          args: [
            '--v=2',
            '--cloud-provider=aws',
            // The name in the `kubernetes.io/cluster/<name>` tag of what it creates and looks up.
            `--cluster-name=${o.clusterName}`,
            '--use-service-account-credentials=true',
            '--configure-cloud-routes=false',
          ],
          resources: {requests: {cpu: '200m'}},
        },
      ],
    }),
  ]
}
