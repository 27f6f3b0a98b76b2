/**
 * The AWS cloud-controller-manager (kubernetes/cloud-provider-aws's kustomize base, trimmed to its
 * objects' names and essentials): ServiceAccount, ClusterRole and binding
 * `system:cloud-controller-manager`, the apiserver-authentication-reader RoleBinding, and a
 * DaemonSet on control-plane nodes that tolerates the uninitialized taint it exists to remove.
 */
import {clusterRole, clusterRoleBinding, roleBinding, serviceAccount} from './rbac.js'
import type {ManifestSet} from './types.js'
import {CONTROL_PLANE_LABEL, CONTROL_PLANE_TOLERATION, daemonSetOf, serviceAccountOf} from './workloads.js'

export const AWS_CCM_IMAGE = 'registry.k8s.io/provider-aws/cloud-controller-manager'

/** The CCM's minor follows Kubernetes': v1.37.x for Kubernetes 1.37. */
export function awsCcmTag(kubernetesVersion: string): string {
  const m = /^v(\d+)\.(\d+)/.exec(kubernetesVersion)
  return m ? `v${m[1]}.${m[2]}.0` : kubernetesVersion
}

export function awsCcmManifests(kubernetesVersion: string): ManifestSet {
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
          image: `${AWS_CCM_IMAGE}:${awsCcmTag(kubernetesVersion)}`,
          args: [
            '--v=2',
            '--cloud-provider=aws',
            '--use-service-account-credentials=true',
            '--configure-cloud-routes=false',
          ],
          resources: {requests: {cpu: '200m'}},
        },
      ],
    }),
  ]
}
