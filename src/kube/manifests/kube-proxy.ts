/**
 * kube-proxy as kubeadm installs it (cmd/kubeadm/app/phases/addons/proxy): ServiceAccount, the
 * `kubeadm:node-proxier` binding to system:node-proxier, the `kube-proxy` ConfigMap (config.conf +
 * kubeconfig.conf), a Role/RoleBinding letting bootstrap tokens read it, and the DaemonSet.
 */
import {stringify} from 'yaml'
import {clusterRoleBinding, getNamed, group, role, roleBinding, serviceAccount} from './rbac.js'
import type {ManifestSet} from './types.js'
import {configMapOf, daemonSetOf, serviceAccountOf, TOLERATE_ALL} from './workloads.js'

export interface KubeProxyInput {
  imageRepository: string
  kubernetesVersion: string
  /** https://host:port of the API for kube-proxy's kubeconfig */
  server: string
  podSubnet?: string
  /** The user's KubeProxyConfiguration, merged over the defaults */
  config?: Record<string, unknown>
}

export const NODE_BOOTSTRAP_GROUP = 'system:bootstrappers:kubeadm:default-node-token'

export function kubeProxyManifests(i: KubeProxyInput): ManifestSet {
  const ns = 'kube-system'
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    bindAddress: '0.0.0.0',
    clientConnection: {kubeconfig: '/var/lib/kube-proxy/kubeconfig.conf'},
    ...(i.podSubnet ? {clusterCIDR: i.podSubnet} : {}),
    mode: '',
    ...(i.config ?? {}),
  }
  const kubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        cluster: {
          'certificate-authority': '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
          server: i.server,
        },
        name: 'default',
      },
    ],
    contexts: [{context: {cluster: 'default', namespace: 'default', user: 'default'}, name: 'default'}],
    'current-context': 'default',
    users: [{name: 'default', user: {tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token'}}],
  })
  const labels = {'k8s-app': 'kube-proxy'}
  return [
    serviceAccountOf(ns, 'kube-proxy'),
    clusterRoleBinding('kubeadm:node-proxier', 'system:node-proxier', [serviceAccount(ns, 'kube-proxy')]),
    configMapOf(
      ns,
      'kube-proxy',
      {'config.conf': stringify(config), 'kubeconfig.conf': kubeconfig},
      {app: 'kube-proxy'},
    ),
    role(ns, 'kube-proxy', [getNamed('configmaps', ['kube-proxy'])]),
    roleBinding(ns, 'kube-proxy', {kind: 'Role', name: 'kube-proxy'}, [group(NODE_BOOTSTRAP_GROUP)]),
    daemonSetOf(ns, 'kube-proxy', labels, {
      priorityClassName: 'system-node-critical',
      hostNetwork: true,
      serviceAccountName: 'kube-proxy',
      tolerations: TOLERATE_ALL,
      nodeSelector: {'kubernetes.io/os': 'linux'},
      containers: [
        {
          name: 'kube-proxy',
          image: `${i.imageRepository}/kube-proxy:${i.kubernetesVersion}`,
          imagePullPolicy: 'IfNotPresent',
          command: [
            '/usr/local/bin/kube-proxy',
            '--config=/var/lib/kube-proxy/config.conf',
            '--hostname-override=$(NODE_NAME)',
          ],
          env: [{name: 'NODE_NAME', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}],
          securityContext: {privileged: true},
          volumeMounts: [
            {name: 'kube-proxy', mountPath: '/var/lib/kube-proxy'},
            {name: 'xtables-lock', mountPath: '/run/xtables.lock'},
            {name: 'lib-modules', mountPath: '/lib/modules', readOnly: true},
          ],
        },
      ],
      volumes: [
        {name: 'kube-proxy', configMap: {name: 'kube-proxy'}},
        {name: 'xtables-lock', hostPath: {path: '/run/xtables.lock', type: 'FileOrCreate'}},
        {name: 'lib-modules', hostPath: {path: '/lib/modules'}},
      ],
    }),
  ]
}
