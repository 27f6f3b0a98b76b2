/**
 * The pod network the spec chooses. Each plugin gets its upstream object names (DaemonSet,
 * ServiceAccount, RBAC, config) and image, with the pod CIDR wired in. These are the skeletons
 * kforge owns the shape of; the plugins' CRDs and full RBAC come from their upstream manifests
 * (not vendored here).
 */
import type {CniPlugin} from '../../api/v1alpha1/types.js'
import {Namespaces} from '../resources.js'
import type {EnvVar} from '../types.js'
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

interface AgentOptions {
  /** What the agent may do with the API beyond reading pods, nodes and namespaces. */
  rules?: {apiGroups: string[]; resources: string[]; verbs: string[]}[]
  env?: EnvVar[]
  /** Host directories (volume name → path) mounted at the same path. Default: the CNI config directory. */
  hostDirs?: Record<string, string>
  imagePullPolicy?: 'IfNotPresent'
  /** Objects that go between the RBAC and the DaemonSet (its configuration). */
  extra?: ManifestSet
}

/** A privileged, host-network DaemonSet on every Linux node, with its ServiceAccount and RBAC. */
function agent(ns: string, name: string, image: string, o: AgentOptions = {}): ManifestSet {
  const dirs = Object.entries(o.hostDirs ?? {'cni-net-dir': '/etc/cni/net.d'})
  return [
    serviceAccountOf(ns, name),
    clusterRole(name, o.rules ?? NODE_READ),
    clusterRoleBinding(name, name, [serviceAccount(ns, name)]),
    ...(o.extra ?? []),
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
            ...(o.imagePullPolicy ? {imagePullPolicy: o.imagePullPolicy} : {}),
            env: o.env ?? [],
            securityContext: {privileged: true},
            volumeMounts: dirs.map(([name, path]) => ({name, mountPath: path})),
          },
        ],
        volumes: dirs.map(([name, path]) => ({name, hostPath: {path}})),
      },
    ),
  ]
}

/** The plugins' own agents also patch their node's status (network-unavailable). */
const PLUGIN_RULES = [
  ...NODE_READ,
  {apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update']},
]

function pluginAgent(
  ns: string,
  name: string,
  image: string,
  env: Record<string, string>,
  extra: ManifestSet = [],
): ManifestSet {
  return agent(ns, name, image, {
    rules: PLUGIN_RULES,
    env: Object.entries(env).map(([k, v]) => ({name: k, value: v})),
    extra,
  })
}

/**
 * kforge's own host-gateway network (kube-assets/kubernetes/hostgw): bridge + host-local per node
 * and a route to every other node's podCIDR through that node. Nodes must share one L2 segment
 * (a local cluster, or one subnet with EC2's source/destination check off); the image is built by
 * `npm run kube-assets`, not published to a registry.
 */
export const HOSTGW_IMAGE = 'kforge.dev/kforge-hostgw:v0.1.0'

function hostgw(): ManifestSet {
  return agent('kube-system', 'kforge-hostgw', HOSTGW_IMAGE, {
    rules: [{apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch']}],
    env: [{name: 'NODE_NAME', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}}],
    hostDirs: {'cni-net-dir': '/etc/cni/net.d', 'cni-bin-dir': '/opt/cni/bin'},
    imagePullPolicy: 'IfNotPresent',
  })
}

export function cniManifests(i: CniInput): ManifestSet {
  switch (i.plugin) {
    case 'hostgw':
      return hostgw()
    case 'calico':
      return [
        ...pluginAgent('kube-system', 'calico-node', 'docker.io/calico/node:v3.28.2', {
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
        ...pluginAgent(
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
        ...pluginAgent('kube-flannel', 'kube-flannel-ds', 'docker.io/flannel/flannel:v0.25.7', {}, [
          configMapOf('kube-flannel', 'kube-flannel-cfg', {
            'net-conf.json': JSON.stringify({Network: i.podSubnet, Backend: {Type: 'vxlan'}}, null, 2),
          }),
        ]),
      ]
    case 'amazon-vpc':
      return pluginAgent(
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
