/**
 * Upstream kubeadm on local nodes, for the wire-compatibility proofs and the boot benchmark:
 * `kubeadm init` fed the very config kforge renders for the first control-plane group (the local
 * profile applied, as for `kforge init`), and `kubeadm join` with a JoinConfiguration holding a
 * token and CA pin, as a kubeadm user writes one. The kubeadm binary is the assets' (v1.37.2).
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {cniManifests} from '../../kube/manifests/cni.js'
import {apiVersionOf} from '../../kube/resources.js'
import {adoptFirstControlPlane, kubectl, type LocalCluster, nodeExec, renderedConfig} from './cluster.js'
import {type LocalNode, writeNodeFiles} from './node.js'
import {localKubeletArgs} from './profile.js'

/**
 * Upstream's SystemVerification refuses these cgroup v1 hosts (the kubelet itself is told
 * `failCgroupV1: false`); every other preflight check runs.
 */
const PREFLIGHT = '--ignore-preflight-errors=SystemVerification'

/** `kubeadm init` on the first control-plane node, then the pod network a kubeadm user applies. */
export async function kubeadmInitFirstControlPlane(lc: LocalCluster, node: LocalNode): Promise<void> {
  writeNodeConfig(node, renderedConfig(lc, node, 'control-plane-init'))
  await nodeExec(node, ['/usr/local/bin/kubeadm', 'init', '--config', '/etc/kforge/kubeadm.yaml', PREFLIGHT])
  adoptFirstControlPlane(lc)
  // kubeadm installs no pod network: the one kforge ships for local nodes, applied with kubectl
  const file = join(lc.base, 'pod-network.yaml')
  writeFileSync(
    file,
    cniManifests({plugin: 'hostgw', podSubnet: lc.cluster.spec.networking.podCIDR})
      .map((m) => stringify({apiVersion: apiVersionOf(m.type), kind: m.type.kind, ...m.object}))
      .join('---\n'),
  )
  await kubectl(lc, ['apply', '-f', file])
}

/** `kubeadm join` of a worker with the cluster's token and CA pin (discovery through cluster-info). */
export async function kubeadmJoinWorker(lc: LocalCluster, node: LocalNode): Promise<void> {
  const config = [
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: JoinConfiguration',
    'discovery:',
    '  bootstrapToken:',
    `    apiServerEndpoint: ${lc.apiName}:6443`,
    `    token: ${lc.token}`,
    `    caCertHashes: ["${lc.caPin}"]`,
    'nodeRegistration:',
    `  name: ${node.name}`,
    '  criSocket: unix:///run/containerd/containerd.sock',
    '  kubeletExtraArgs:',
    ...localKubeletArgs({name: node.name, cgroupRoot: node.cgroupParent}).map(
      (a) => `  - name: ${a.name}\n    value: ${a.value}`,
    ),
    '',
  ].join('\n')
  writeNodeConfig(node, config)
  await nodeExec(node, ['/usr/local/bin/kubeadm', 'join', '--config', '/etc/kforge/kubeadm.yaml', PREFLIGHT])
}

function writeNodeConfig(node: LocalNode, content: string): void {
  // 0600: the config carries the bootstrap token
  writeNodeFiles(node, {'/etc/kforge/kubeadm.yaml': content}, 0o600)
}
