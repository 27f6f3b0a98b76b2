/** The run data of `kforge join`: where to discover the cluster, with which token and pins. */
import {join} from 'node:path'
import type {PinSet} from '../../bootstrap/pin.js'
import type {BootstrapToken} from '../../bootstrap/token.js'
import type {JoinConfiguration} from '../../kubeadm/types.js'
import type {EtcdVolumeAccess, MountedEtcdVolume} from '../../lifecycle/etcd-volume.js'

export interface JoinData {
  rootDir: string
  config: JoinConfiguration
  /** `host:port` from the command line or discovery.bootstrapToken.apiServerEndpoint. */
  endpoint: string
  discoveryToken: BootstrapToken
  /** The token the kubelet bootstraps with (default: the discovery token). */
  tlsBootstrapToken: BootstrapToken
  pins: PinSet
  discoveryTimeoutMs: number
  /** kubeadm polls every 5 s; tests shorten it. */
  pollIntervalMs: number
  manageServices: boolean
  /** Between polls in every wait after discovery (the CLI's timings). Default: each wait's own */
  nodePollMs?: number
  /** How the etcd-volume phase reaches the instance and EC2 (src/cli). Default: no etcd volume */
  etcdVolume?: EtcdVolumeAccess
  /** What the etcd-volume phase mounted: data on it makes etcd-join resume that member. */
  etcdVolumeMounted?: MountedEtcdVolume
}

export function joinHostPath(d: Pick<JoinData, 'rootDir'>, path: string): string {
  return join(d.rootDir, path)
}

export const BOOTSTRAP_KUBELET_CONF = '/etc/kubernetes/bootstrap-kubelet.conf'
export const TLS_BOOTSTRAP_USER = 'tls-bootstrap-token-user'
