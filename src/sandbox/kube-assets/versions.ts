/**
 * What `npm run kube-assets` builds: the upstream releases kforge's default Kubernetes version
 * runs with. Every version comes from the one table kforge itself deploys from
 * (src/spec/versions.ts), so an image the manifests name is always an image the assets contain.
 */
import {
  COREDNS_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  etcdVersionFor,
  PAUSE_VERSION,
} from '../../api/versions.js'

export interface AssetVersions {
  kubernetes: string
  /** kubeadm's image tag (`3.7.0-0`); the etcd module is the part before the dash. */
  etcdImageTag: string
  coredns: string
  pause: string
}

export function assetVersions(kubernetes = DEFAULT_KUBERNETES_VERSION): AssetVersions {
  return {
    kubernetes,
    etcdImageTag: etcdVersionFor(kubernetes),
    coredns: COREDNS_VERSION,
    pause: PAUSE_VERSION,
  }
}

export const KUBERNETES_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
  'kubelet',
  'kubeadm',
  'kubectl',
] as const
