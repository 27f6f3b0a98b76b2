/**
 * The pod network the spec chooses. Each plugin gets its upstream object names (DaemonSet,
 * ServiceAccount, RBAC, config) and image, with the pod CIDR wired in. These are the skeletons
 * kforge owns the shape of; the plugins' CRDs and full RBAC come from their upstream manifests
 * (not vendored here).
 */
import type {CniPlugin} from '../../api/v1alpha1/types.js'
import {Namespaces} from '../resources.js'
import {clusterRole, clusterRoleBinding, serviceAccount} from './rbac.js'
import type {ManifestSet} from './types.js'
import {configMapOf, daemonSetOf, deploymentOf, serviceAccountOf, TOLERATE_ALL} from './workloads.js'

export interface CniInput {
  plugin: CniPlugin
  podSubnet: string
}

const NODE_READ = [
  {apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch']},
]

function agent(
  ns: string,
  name: string,
  image: string,
  env: Record<string, string>,
  extra: ManifestSet = [],
): ManifestSet {
  return [
    serviceAccountOf(ns, name),
    clusterRole(name, [
      ...NODE_READ,
      {apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update']},
    ]),
    clusterRoleBinding(name, name, [serviceAccount(ns, name)]),
    ...extra,
    daemonSetOf(
      ns,
      name,
      {'k8s-app': name},
      {
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        serviceAccountName: name,
        tolerations: TOLERATE_ALL,
        nodeSelector: {'kubernetes.io/os': 'linux'},
        containers: [
          {
            name,
            image,
            env: Object.entries(env).map(([k, v]) => ({name: k, value: v})),
            securityContext: {privileged: true},
            volumeMounts: [{name: 'cni-net-dir', mountPath: '/etc/cni/net.d'}],
          },
        ],
        volumes: [{name: 'cni-net-dir', hostPath: {path: '/etc/cni/net.d'}}],
      },
    ),
  ]
}

/**
 * kforge's own host-gateway network (kube-assets/kubernetes/hostgw): bridge + host-local per node
 * and a route to every other node's podCIDR through that node. Nodes must share one L2 segment
 * (a local cluster, or one subnet with EC2's source/destination check off); the image is built by
 * `npm run kube-assets`, not published to a registry.
 */
export const HOSTGW_IMAGE = 'kforge.dev/kforge-hostgw:v0.1.0'

function hostgw(): ManifestSet {
  const name = 'kforge-hostgw'
  const ns = 'kube-system'
  return [
    serviceAccountOf(ns, name),
    clusterRole(name, [{apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch']}]),
    clusterRoleBinding(name, name, [serviceAccount(ns, name)]),
    daemonSetOf(
      ns,
      name,
      {'k8s-app': name},
      {
        hostNetwork: true,
        priorityClassName: 'system-node-critical',
        serviceAccountName: name,
        tolerations: TOLERATE_ALL,
        nodeSelector: {'kubernetes.io/os': 'linux'},
        containers: [
          {
            name,
            image: HOSTGW_IMAGE,
            imagePullPolicy: 'IfNotPresent',
            env: [{name: 'NODE_NAME', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}],
            securityContext: {privileged: true},
            volumeMounts: [
              {name: 'cni-net-dir', mountPath: '/etc/cni/net.d'},
              {name: 'cni-bin-dir', mountPath: '/opt/cni/bin'},
            ],
          },
        ],
        volumes: [
          {name: 'cni-net-dir', hostPath: {path: '/etc/cni/net.d'}},
          {name: 'cni-bin-dir', hostPath: {path: '/opt/cni/bin'}},
        ],
      },
    ),
  ]
}

export function cniManifests(i: CniInput): ManifestSet {
  switch (i.plugin) {
    case 'hostgw':
      return hostgw()
    case 'calico':
      return [
        ...agent('kube-system', 'calico-node', 'docker.io/calico/node:v3.28.2', {
          CALICO_IPV4POOL_CIDR: i.podSubnet,
          CALICO_NETWORKING_BACKEND: 'bird',
        }),
        serviceAccountOf('kube-system', 'calico-kube-controllers'),
        deploymentOf('kube-system', 'calico-kube-controllers', {'k8s-app': 'calico-kube-controllers'}, 1, {
          serviceAccountName: 'calico-kube-controllers',
          tolerations: [
            {key: 'CriticalAddonsOnly', operator: 'Exists'},
            {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'},
          ],
          containers: [{name: 'calico-kube-controllers', image: 'docker.io/calico/kube-controllers:v3.28.2'}],
        }),
      ]
    case 'cilium':
      return [
        ...agent(
          'kube-system',
          'cilium',
          'quay.io/cilium/cilium:v1.16.3',
          {CILIUM_CLUSTER_POOL_IPV4_CIDR: i.podSubnet},
          [
            configMapOf('kube-system', 'cilium-config', {
              'cluster-pool-ipv4-cidr': i.podSubnet,
              ipam: 'cluster-pool',
              'kube-proxy-replacement': 'false',
            }),
          ],
        ),
        serviceAccountOf('kube-system', 'cilium-operator'),
        deploymentOf('kube-system', 'cilium-operator', {'io.cilium/app': 'operator'}, 1, {
          serviceAccountName: 'cilium-operator',
          hostNetwork: true,
          tolerations: TOLERATE_ALL,
          containers: [{name: 'cilium-operator', image: 'quay.io/cilium/operator-generic:v1.16.3'}],
        }),
      ]
    case 'flannel':
      return [
        {
          type: Namespaces,
          object: {
            metadata: {name: 'kube-flannel', labels: {'pod-security.kubernetes.io/enforce': 'privileged'}},
          },
        },
        ...agent('kube-flannel', 'kube-flannel-ds', 'docker.io/flannel/flannel:v0.25.7', {}, [
          configMapOf('kube-flannel', 'kube-flannel-cfg', {
            'net-conf.json': JSON.stringify({Network: i.podSubnet, Backend: {Type: 'vxlan'}}, null, 2),
          }),
        ]),
      ]
    case 'amazon-vpc':
      return agent(
        'kube-system',
        'aws-node',
        '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.5',
        {
          AWS_VPC_K8S_CNI_LOGLEVEL: 'DEBUG',
          ENABLE_POD_ENI: 'false',
        },
      )
    default: {
      const never: never = i.plugin
      throw new Error(`unsupported CNI plugin ${String(never)}`)
    }
  }
}
