/**
 * kubeadm's control-plane kubeconfig files under /etc/kubernetes (docs/kubeadm-compat.md,
 * "Certificates and kubeconfigs"): each holds a client certificate signed by the cluster CA, the CA itself, and the
 * API server address. Written 0600. An existing file is reused when it trusts the same CA.
 */
import {isIP} from 'node:net'
import {join} from 'node:path'
import {KforgeError} from '../util/errors.js'
import {createSignedCert} from './cert.js'
import {type CaCache, type EnsureResult, type LoadedCA, loadCA} from './ensure.js'
import {KEY_MODE, readIfExists, writeFileAtomic} from './files.js'
import type {KeyPool} from './key-pool.js'
import {privateKeyPem} from './keys.js'
import {CLUSTER_ADMINS_GROUP, splitHostPort} from './kubeadm-certs.js'
import {
  buildKubeconfig,
  clusterCaPem,
  currentCluster,
  parseKubeconfig,
  serializeKubeconfig,
} from './kubeconfig.js'

export interface KubeconfigConfig {
  nodeName: string
  /** Default: kubernetes */
  clusterName: string
  controlPlaneEndpoint?: string
  advertiseAddress: string
  bindPort: number
  certificateValidityMs: number
}

export interface KubeconfigFileSpec {
  name: string
  file: string
  short: string
  user: (c: KubeconfigConfig) => string
  organizations: readonly string[]
  /** controller-manager, scheduler and the control plane's kubelet talk to their own node's API server. */
  local: boolean
}

export const KUBECONFIGS: readonly KubeconfigFileSpec[] = [
  {
    name: 'admin',
    file: 'admin.conf',
    short: 'admin.conf (group kubeadm:cluster-admins)',
    user: () => 'kubernetes-admin',
    organizations: [CLUSTER_ADMINS_GROUP],
    local: false,
  },
  {
    name: 'super-admin',
    file: 'super-admin.conf',
    short: 'super-admin.conf (group system:masters)',
    user: () => 'kubernetes-super-admin',
    organizations: ['system:masters'],
    local: false,
  },
  {
    name: 'kubelet',
    file: 'kubelet.conf',
    short: "kubelet.conf, this node's kubelet",
    user: (c) => `system:node:${c.nodeName}`,
    organizations: ['system:nodes'],
    // A control-plane node's kubelet talks to its own API server (kubeadm's
    // ControlPlaneKubeletLocalMode): through the load balancer with client IP preservation, a
    // target that connects to itself is dropped, and its kubelet would lose the API at random.
    local: true,
  },
  {
    name: 'controller-manager',
    file: 'controller-manager.conf',
    short: 'controller-manager.conf',
    user: () => 'system:kube-controller-manager',
    organizations: [],
    local: true,
  },
  {
    name: 'scheduler',
    file: 'scheduler.conf',
    short: 'scheduler.conf',
    user: () => 'system:kube-scheduler',
    organizations: [],
    local: true,
  },
]

function hostPort(host: string, port: number | string): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}

/** `https://<controlPlaneEndpoint>` (bindPort when it has no port), else the local endpoint. */
export function controlPlaneURL(
  c: Pick<KubeconfigConfig, 'controlPlaneEndpoint' | 'advertiseAddress' | 'bindPort'>,
): string {
  if (!c.controlPlaneEndpoint) return localAPIURL(c)
  const {host, port} = splitHostPort(c.controlPlaneEndpoint)
  return `https://${hostPort(host, port ?? c.bindPort)}`
}

export function localAPIURL(c: Pick<KubeconfigConfig, 'advertiseAddress' | 'bindPort'>): string {
  return `https://${hostPort(c.advertiseAddress, c.bindPort)}`
}

export interface KubeconfigContext {
  /** Absolute /etc/kubernetes on this machine (root dir applied). */
  kubernetesDir: string
  pkiDir: string
  cfg: KubeconfigConfig
  keys: KeyPool
  dryRun: boolean
  logger: {info(m: string): void; warn(m: string): void}
  now?: Date
  cas?: CaCache
}

export async function ensureKubeconfig(
  ctx: KubeconfigContext,
  spec: KubeconfigFileSpec,
): Promise<EnsureResult> {
  const file = join(ctx.kubernetesDir, spec.file)
  const server = spec.local ? localAPIURL(ctx.cfg) : controlPlaneURL(ctx.cfg)
  const [ca, existing] = await Promise.all([loadCA(ctx.pkiDir, 'ca', ctx.now, ctx.cas), readIfExists(file)])
  const caFile = join(ctx.pkiDir, 'ca.crt')
  if (!ca && !ctx.dryRun)
    throw new KforgeError(
      `${caFile} not found: the cluster CA signs the ${spec.file} client certificate (run the certs/ca phase first)`,
    )
  if (existing) {
    if (ca) checkExisting(file, existing.toString(), ca, server, ctx.logger)
    ctx.logger.info(`[kubeconfig] Using existing kubeconfig file: "${file}"`)
    return 'reused'
  }
  if (ctx.dryRun) {
    ctx.logger.info(`[dry-run] would write kubeconfig file ${file} (server ${server})`)
    return 'dry-run'
  }
  if (!ca!.key) {
    throw new KforgeError(
      `${file} is missing and ${join(ctx.pkiDir, 'ca.key')} is absent (external CA mode): provide ${spec.file} yourself`,
    )
  }
  const user = spec.user(ctx.cfg)
  const client = await createSignedCert(
    {
      subject: {commonName: user, organizations: spec.organizations},
      usages: ['client'],
      validityMs: ctx.cfg.certificateValidityMs,
      now: ctx.now,
    },
    await ctx.keys.take(`kubeconfig/${spec.name}`),
    {certPem: ca!.certPem, cert: ca!.cert, key: ca!.key},
  )
  const doc = buildKubeconfig({
    clusterName: ctx.cfg.clusterName,
    server,
    caCertPem: ca!.certPem,
    userName: user,
    auth: {clientCertPem: client.certPem, clientKeyPem: privateKeyPem(client.key.privateKey)},
  })
  await writeFileAtomic(file, serializeKubeconfig(doc), KEY_MODE)
  ctx.logger.info(`[kubeconfig] Writing "${spec.file}" kubeconfig file`)
  return 'created'
}

function checkExisting(
  file: string,
  text: string,
  ca: LoadedCA,
  server: string,
  logger: {warn(m: string): void},
): void {
  const cluster = currentCluster(parseKubeconfig(text, file))
  if (!cluster) throw new KforgeError(`${file}: existing kubeconfig has no current cluster`)
  const pem = clusterCaPem(cluster.cluster)
  if (!pem || pem.replace(/\s+/g, '') !== ca.certPem.replace(/\s+/g, '')) {
    throw new KforgeError(
      `${file}: existing kubeconfig trusts a different CA than ca.crt; remove it to have a new one made`,
    )
  }
  if (cluster.cluster.server !== server) {
    logger.warn(`[kubeconfig] ${file} has server ${cluster.cluster.server}, expected ${server}; keeping it`)
  }
}
