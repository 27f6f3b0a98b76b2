/**
 * The kubeadm-format configuration (kubeadm.k8s.io/v1beta4) an instance hands to `kforge init` or
 * `kforge join`. It holds no secret: the first control plane's `kforge init` generates its own
 * short-lived bootstrap token, and joining instances obtain theirs from the node-identity service
 * (`kforge join --node-identity`, src/identity).
 */
import {stringify} from 'yaml'
import {inClusterIssuer, publishedIssuer} from '../api/v1alpha1/identity.js'
import type {Cluster, InstanceGroup, Taint} from '../api/v1alpha1/types.js'
import {KforgeError} from '../util/errors.js'
import type {TemplateName} from './types.js'

/** The init token's lifetime (kubeadm's default is 24 h; nothing joins with it here). */
export const INIT_TOKEN_TTL = '1h'
const API_VERSION = 'kubeadm.k8s.io/v1beta4'
const CRI_SOCKET = 'unix:///run/containerd/containerd.sock'
const CONTROL_PLANE_TAINT: Taint = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}

/** Label domains the NodeRestriction admission plugin forbids a kubelet to set on itself. */
const RESTRICTED_LABEL_DOMAIN = /(^|\.)(kubernetes\.io|k8s\.io)$/
const ALLOWED_LABEL_PREFIXES = ['kubelet.kubernetes.io/', 'node.kubernetes.io/']

/** The label naming a node's instance group (its termination watcher reads it to find its group). */
export const INSTANCE_GROUP_LABEL = 'kforge.dev/instancegroup'

/**
 * The node labels a group's kubelet registers with: the group's labels plus
 * `kforge.dev/instancegroup`. Labels NodeRestriction would refuse are an error, since the node
 * would never register.
 */
export function kubeletLabels(group: InstanceGroup): Array<[string, string]> {
  const labels: Record<string, string> = {...group.spec.nodeLabels, [INSTANCE_GROUP_LABEL]: group.name}
  for (const key of Object.keys(labels)) {
    const slash = key.indexOf('/')
    const domain = slash < 0 ? '' : key.slice(0, slash)
    if (RESTRICTED_LABEL_DOMAIN.test(domain) && !ALLOWED_LABEL_PREFIXES.some((p) => key.startsWith(p))) {
      throw new KforgeError(
        `InstanceGroup "${group.name}": spec.nodeLabels["${key}"]: a kubelet may not set labels under ` +
          `${domain} on its own node (NodeRestriction); use a kubelet.kubernetes.io/ or ` +
          'node.kubernetes.io/ prefix, or another domain',
      )
    }
  }
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function nodeRegistration(group: InstanceGroup, controlPlane: boolean): Record<string, unknown> {
  const labels = kubeletLabels(group)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
  const registration: Record<string, unknown> = {
    criSocket: CRI_SOCKET,
    kubeletExtraArgs: [
      {name: 'cloud-provider', value: 'external'},
      {name: 'node-labels', value: labels},
    ],
  }
  // kubeadm: absent taints means "the default" (the control-plane taint on control-plane nodes);
  // a list replaces it, so the control-plane taint is kept explicitly next to the group's own.
  if (group.spec.taints.length > 0) {
    const taints = group.spec.taints.map((t) => ({
      key: t.key,
      ...(t.value ? {value: t.value} : {}),
      effect: t.effect,
    }))
    registration.taints =
      controlPlane && !taints.some((t) => t.key === CONTROL_PLANE_TAINT.key)
        ? [CONTROL_PLANE_TAINT, ...taints]
        : taints
  }
  return registration
}

/**
 * With a published issuer, tokens name it (the first --service-account-issuer signs) and the
 * in-cluster issuer stays accepted as the second, as kubeadm and kops do for a change-over: tokens
 * pods already hold keep working until they are refreshed.
 */
function issuerArgs(cluster: Cluster): {extraArgs?: {name: string; value: string}[]} {
  const issuer = publishedIssuer(cluster.spec)
  if (!issuer) return {}
  return {
    extraArgs: [
      {name: 'service-account-issuer', value: issuer.url},
      {name: 'service-account-issuer', value: inClusterIssuer(cluster.spec.networking.dnsDomain)},
      {name: 'service-account-jwks-uri', value: issuer.jwksUri},
    ],
  }
}

function clusterConfiguration(cluster: Cluster, apiEndpoint: string): Record<string, unknown> {
  const {spec} = cluster
  const apiHost = apiEndpoint.replace(/:\d+$/, '')
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterConfiguration',
    clusterName: cluster.name,
    kubernetesVersion: spec.kubernetesVersion,
    controlPlaneEndpoint: apiEndpoint,
    networking: {
      dnsDomain: spec.networking.dnsDomain,
      podSubnet: spec.networking.podCIDR,
      serviceSubnet: spec.networking.serviceCIDR,
    },
    etcd: {local: {dataDir: '/var/lib/etcd'}},
    // kube-apiserver has no --cloud-provider flag any more (it refuses to start with one); the
    // kubelet and the controller-manager still take `external`.
    apiServer: {
      certSANs: [...new Set([spec.api.dnsName, apiHost])].sort(),
      ...issuerArgs(cluster),
    },
    controllerManager: {extraArgs: [{name: 'cloud-provider', value: 'external'}]},
  }
}

/** The kubeadm config documents for one instance group, as YAML text. */
export function kubeadmConfig(
  cluster: Cluster,
  group: InstanceGroup,
  template: Exclude<TemplateName, 'bastion'>,
  apiEndpoint: string,
  caPin: string,
): string {
  const documents: Array<Record<string, unknown>> = []
  if (template === 'control-plane-init') {
    documents.push({
      apiVersion: API_VERSION,
      kind: 'InitConfiguration',
      bootstrapTokens: [
        {
          // No token value: `kforge init` generates one, as kubeadm does.
          // Nothing joins with it: every joining instance proves its AWS identity to the
          // node-identity service for a token of its own. An hour covers the init itself.
          ttl: INIT_TOKEN_TTL,
          usages: ['signing', 'authentication'],
          groups: ['system:bootstrappers:kubeadm:default-node-token'],
        },
      ],
      nodeRegistration: nodeRegistration(group, true),
      // The join command it prints holds the token: during boot that would reach the console and
      // cloud-init's output log.
      skipPhases: ['show-join-command'],
    })
    documents.push(clusterConfiguration(cluster, apiEndpoint))
  } else {
    documents.push({
      apiVersion: API_VERSION,
      kind: 'JoinConfiguration',
      discovery: {
        // An empty token (the field is required): `kforge join --node-identity` obtains one; the
        // pin is what it trusts the node-identity service and the cluster through.
        bootstrapToken: {apiServerEndpoint: apiEndpoint, token: '', caCertHashes: [caPin]},
      },
      nodeRegistration: nodeRegistration(group, template === 'control-plane-join'),
      // No certificateKey: the shared CA files are on disk already (kubeadm's manual distribution).
      ...(template === 'control-plane-join' ? {controlPlane: {}} : {}),
    })
  }
  return documents.map((d) => stringify(d, {lineWidth: 0})).join('---\n')
}
