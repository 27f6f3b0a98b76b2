/**
 * The pod network the spec chooses, with the pod CIDR wired in. flannel and kforge's hostgw are
 * complete: nothing else is needed for pods to get addresses and routes. calico, cilium and
 * amazon-vpc are still only their agents' shape (DaemonSet, ServiceAccount, RBAC, config and
 * image): their CRDs, CNI install steps and full RBAC are not here, so a node on them never
 * turns Ready.
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

/** flannel's release and the CNI plugin binary it ships with (flannel-io/cni-plugin). */
export const FLANNEL_IMAGE = 'docker.io/flannel/flannel:v0.25.7'
export const FLANNEL_CNI_PLUGIN_IMAGE = 'docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2'

/**
 * flannel, complete: VXLAN between nodes (UDP 8472, which the node and control-plane security
 * groups allow), each node's subnet taken from its Node's podCIDR (the controller-manager allocates
 * them from the pod CIDR: `--kube-subnet-mgr`, no etcd of its own, no CRDs). Two init containers
 * put the `flannel` CNI binary into /opt/cni/bin and the network list into /etc/cni/net.d, which
 * is what turns a node Ready; flanneld then writes /run/flannel/subnet.env that binary reads.
 */
function flannel(podSubnet: string): ManifestSet {
  const ns = 'kube-flannel'
  const name = 'flannel'
  const labels = {app: 'flannel', 'k8s-app': 'flannel', tier: 'node'}
  const cniConf = {
    name: 'cbr0',
    cniVersion: '0.3.1',
    plugins: [
      {type: 'flannel', delegate: {hairpinMode: true, isDefaultGateway: true}},
      {type: 'portmap', capabilities: {portMappings: true}},
    ],
  }
  return [
    {
      type: Namespaces,
      object: {metadata: {name: ns, labels: {'pod-security.kubernetes.io/enforce': 'privileged'}}},
    },
    serviceAccountOf(ns, name),
    clusterRole(name, [
      {apiGroups: [''], resources: ['pods'], verbs: ['get']},
      {apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch']},
      {apiGroups: [''], resources: ['nodes/status'], verbs: ['patch']},
    ]),
    clusterRoleBinding(name, name, [serviceAccount(ns, name)]),
    configMapOf(
      ns,
      'kube-flannel-cfg',
      {
        'cni-conf.json': `${JSON.stringify(cniConf, null, 2)}\n`,
        'net-conf.json': `${JSON.stringify({Network: podSubnet, Backend: {Type: 'vxlan'}}, null, 2)}\n`,
      },
      labels,
    ),
    daemonSetOf(ns, 'kube-flannel-ds', labels, {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      serviceAccountName: name,
      tolerations: [{operator: 'Exists', effect: 'NoSchedule'}],
      nodeSelector: {'kubernetes.io/os': 'linux'},
      initContainers: [
        {
          name: 'install-cni-plugin',
          image: FLANNEL_CNI_PLUGIN_IMAGE,
          command: ['cp', '-f', '/flannel', '/opt/cni/bin/flannel'],
          volumeMounts: [{name: 'cni-plugin', mountPath: '/opt/cni/bin'}],
        },
        {
          name: 'install-cni',
          image: FLANNEL_IMAGE,
          command: ['cp', '-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist'],
          volumeMounts: [
            {name: 'cni', mountPath: '/etc/cni/net.d'},
            {name: 'flannel-cfg', mountPath: '/etc/kube-flannel/'},
          ],
        },
      ],
      containers: [
        {
          name: 'kube-flannel',
          image: FLANNEL_IMAGE,
          command: ['/opt/bin/flanneld'],
          args: ['--ip-masq', '--kube-subnet-mgr'],
          resources: {requests: {cpu: '100m', memory: '50Mi'}},
          securityContext: {privileged: false, capabilities: {add: ['NET_ADMIN', 'NET_RAW']}},
          env: [
            {name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}},
            {name: 'POD_NAMESPACE', valueFrom: {fieldRef: {fieldPath: 'metadata.namespace'}}},
            {name: 'EVENT_QUEUE_DEPTH', value: '5000'},
          ],
          volumeMounts: [
            {name: 'run', mountPath: '/run/flannel'},
            {name: 'flannel-cfg', mountPath: '/etc/kube-flannel/'},
            {name: 'xtables-lock', mountPath: '/run/xtables.lock'},
          ],
        },
      ],
      volumes: [
        {name: 'run', hostPath: {path: '/run/flannel'}},
        {name: 'cni-plugin', hostPath: {path: '/opt/cni/bin'}},
        {name: 'cni', hostPath: {path: '/etc/cni/net.d'}},
        {name: 'flannel-cfg', configMap: {name: 'kube-flannel-cfg'}},
        {name: 'xtables-lock', hostPath: {path: '/run/xtables.lock', type: 'FileOrCreate'}},
      ],
    }),
  ]
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
      return flannel(i.podSubnet)
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
