/**
 * The run data every init phase shares: the complete kubeadm configuration, where on this
 * machine things go (`--root-dir` prefixes every host path), and the key pool that lets the
 * certs and kubeconfig groups generate their keys in parallel.
 */
import {join, resolve, sep} from 'node:path'
import type {CompleteInit} from '../../kubeadm/defaults.js'
import type {ClusterConfiguration, InitConfiguration} from '../../kubeadm/types.js'
import type {EtcdVolumeAccess, MountedEtcdVolume} from '../../lifecycle/etcd-volume.js'
import type {CaCache} from '../../pki/ensure.js'
import {KeyPool} from '../../pki/key-pool.js'
import type {PkiConfig} from '../../pki/kubeadm-certs.js'
import type {KubeconfigConfig} from '../../pki/kubeadm-kubeconfigs.js'
import {KforgeError} from '../../util/errors.js'

export interface InitData {
  /** `/` on a real node; a directory in tests and image builds. */
  rootDir: string
  init: InitConfiguration
  cluster: ClusterConfiguration
  /** The user's KubeletConfiguration document, merged over kubeadm's defaults by kubelet-start. */
  kubelet?: Record<string, unknown>
  kubeProxy?: Record<string, unknown>
  /** This machine's hostname (kubelet's --hostname-override is written only when the node name differs). */
  hostname: string
  keys: KeyPool
  /** CAs loaded or made in this run (certs and kubeconfig phases sign with them). */
  cas: CaCache
  /** Full names of the phases the user skipped, so group phases do not prepare work for them. */
  skipped: ReadonlySet<string>
  /** Where show-join-command prints. Not the logger: the redactor would mask the token it must show. */
  out: (text: string) => void
  /** Run systemctl: only for a real node (root dir `/`) outside dry-run. */
  manageServices: boolean
  /** Between polls in every wait (the CLI's timings). Default: each wait's own, kubeadm's */
  nodePollMs?: number
  /** How the etcd-volume phase reaches the instance and EC2 (src/cli). Default: no etcd volume */
  etcdVolume?: EtcdVolumeAccess
  /** What the etcd-volume phase mounted. */
  etcdVolumeMounted?: MountedEtcdVolume
  /**
   * `--resume`: this node's lone etcd member resumes from the data on its volume (the cluster
   * exists; the phases that create it are skipped, src/cli/init.ts).
   */
  resume?: boolean
}

export interface InitDataOptions {
  rootDir: string
  config: CompleteInit
  hostname: string
  skipped: ReadonlySet<string>
  dryRun: boolean
  out?: (text: string) => void
  nodePollMs?: number
}

export function buildInitData(o: InitDataOptions): InitData {
  return {
    rootDir: o.rootDir,
    init: o.config.init,
    cluster: o.config.cluster,
    ...(o.config.kubelet ? {kubelet: o.config.kubelet} : {}),
    ...(o.config.kubeProxy ? {kubeProxy: o.config.kubeProxy} : {}),
    hostname: o.hostname,
    keys: new KeyPool(o.config.cluster.encryptionAlgorithm),
    cas: new Map(),
    skipped: o.skipped,
    out: o.out ?? ((text) => void process.stdout.write(text)),
    manageServices: o.rootDir === '/' && !o.dryRun,
    ...(o.nodePollMs ? {nodePollMs: o.nodePollMs} : {}),
  }
}

/** A node path (`/etc/kubernetes/pki`) on this machine, under the root dir, never outside it. */
export function hostPath(d: Pick<InitData, 'rootDir'>, path: string): string {
  const root = resolve(d.rootDir)
  const full = join(root, path)
  if (full !== root && !full.startsWith(root === sep ? root : `${root}${sep}`)) {
    throw new KforgeError(`${path}: resolves to ${full}, outside --root-dir ${d.rootDir}`)
  }
  return full
}

export const KUBERNETES_DIR = '/etc/kubernetes'
export const MANIFESTS_DIR = '/etc/kubernetes/manifests'

export function pkiDir(d: InitData): string {
  return hostPath(d, d.cluster.certificatesDir)
}

export function pkiConfig(d: InitData): PkiConfig {
  const local = d.cluster.etcd.local
  return {
    nodeName: d.init.nodeRegistration.name,
    advertiseAddress: d.init.localAPIEndpoint.advertiseAddress,
    dnsDomain: d.cluster.networking.dnsDomain,
    serviceSubnet: d.cluster.networking.serviceSubnet,
    ...(d.cluster.controlPlaneEndpoint ? {controlPlaneEndpoint: d.cluster.controlPlaneEndpoint} : {}),
    apiServerCertSANs: d.cluster.apiServer.certSANs,
    etcdServerCertSANs: local?.serverCertSANs ?? [],
    etcdPeerCertSANs: local?.peerCertSANs ?? [],
    encryptionAlgorithm: d.cluster.encryptionAlgorithm,
    certificateValidityMs: d.cluster.certificateValidityMs,
    caCertificateValidityMs: d.cluster.caCertificateValidityMs,
  }
}

export function kubeconfigConfig(d: InitData): KubeconfigConfig {
  return {
    nodeName: d.init.nodeRegistration.name,
    clusterName: d.cluster.clusterName,
    ...(d.cluster.controlPlaneEndpoint ? {controlPlaneEndpoint: d.cluster.controlPlaneEndpoint} : {}),
    advertiseAddress: d.init.localAPIEndpoint.advertiseAddress,
    bindPort: d.init.localAPIEndpoint.bindPort,
    certificateValidityMs: d.cluster.certificateValidityMs,
  }
}
