/**
 * What kubeadm's kubelet-start phase writes: /var/lib/kubelet/config.yaml (a KubeletConfiguration
 * with kubeadm's cluster-wide defaults, the user's KubeletConfiguration document merged over it)
 * and /var/lib/kubelet/kubeadm-flags.env (the node-specific flags, `KUBELET_KUBEADM_ARGS="..."`).
 */
import {posix} from 'node:path'
import {stringify} from 'yaml'
import {isPlainObject} from '../api/shape.js'
import {clusterDnsIP} from '../pki/kubeadm-certs.js'
import {args, argsToCommand} from './args.js'
import type {ClusterConfiguration, NodeRegistration} from './types.js'

export const KUBELET_DIR = '/var/lib/kubelet'
export const KUBELET_CONFIG_FILE = `${KUBELET_DIR}/config.yaml`
export const KUBELET_FLAGS_FILE = `${KUBELET_DIR}/kubeadm-flags.env`

export function kubeletConfiguration(
  cluster: ClusterConfiguration,
  user?: Record<string, unknown>,
): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: {
      anonymous: {enabled: false},
      webhook: {cacheTTL: '0s', enabled: true},
      x509: {clientCAFile: posix.join(cluster.certificatesDir, 'ca.crt')},
    },
    authorization: {mode: 'Webhook', webhook: {cacheAuthorizedTTL: '0s', cacheUnauthorizedTTL: '0s'}},
    cgroupDriver: 'systemd',
    clusterDNS: [clusterDnsIP(cluster.networking.serviceSubnet)],
    clusterDomain: cluster.networking.dnsDomain,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    rotateCertificates: true,
    staticPodPath: '/etc/kubernetes/manifests',
  }
  return user ? (deepMerge(defaults, user) as Record<string, unknown>) : defaults
}

/** Objects merge key by key; anything else (lists included) from `over` replaces `base`. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over
  const out: Record<string, unknown> = {...base}
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v
  return out
}

export function serializeKubeletConfiguration(config: Record<string, unknown>): string {
  return stringify(config, {lineWidth: 0, indentSeq: false})
}

export interface KubeletFlagsInput {
  nodeRegistration: NodeRegistration
  /** This machine's hostname: `--hostname-override` is only written when the node name differs. */
  hostname: string
}

/** The contents of kubeadm-flags.env. */
export function kubeletFlagsEnv(input: KubeletFlagsInput): string {
  const n = input.nodeRegistration
  const base = args({'container-runtime-endpoint': n.criSocket})
  if (n.name !== input.hostname) base.push({name: 'hostname-override', value: n.name})
  const flags = argsToCommand(base, n.kubeletExtraArgs)
  return `KUBELET_KUBEADM_ARGS="${flags.join(' ').replace(/(["\\$`])/g, '\\$1')}"\n`
}
