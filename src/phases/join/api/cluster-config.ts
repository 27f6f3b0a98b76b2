/**
 * What a joining control-plane node needs to know about the cluster: the ClusterConfiguration
 * from kube-system/kubeadm-config, turned into the init run data that the offline init phases
 * (certs, kubeconfig, control-plane, etcd) already know how to write from — with this node's
 * name, advertise address and port.
 */
import {hostname} from 'node:os'
import {stringify} from 'yaml'
import {KubeApiError} from '../../../kube/errors.js'
import {ConfigMaps} from '../../../kube/resources.js'
import {completeInitConfig, detectHost} from '../../../kubeadm/defaults.js'
import {parseKubeadmConfig} from '../../../kubeadm/load.js'
import {KforgeError} from '../../../util/errors.js'
import {buildInitData, type InitData} from '../../init/data.js'
import {BOOTSTRAP_KUBELET_CONF, type JoinData} from '../data.js'
import {bootstrapClient, explainBootstrapError} from '../tls-bootstrap.js'

const cache = new WeakMap<JoinData, Promise<InitData>>()

export function controlPlaneInitData(d: JoinData, dryRun: boolean): Promise<InitData> {
  let p = cache.get(d)
  if (!p) {
    p = build(d, dryRun)
    cache.set(d, p)
    p.catch(() => cache.delete(d))
  }
  return p
}

async function build(d: JoinData, dryRun: boolean): Promise<InitData> {
  const cp = d.config.controlPlane
  if (!cp)
    throw new KforgeError(
      'join: not a control-plane join (no --control-plane / JoinConfiguration.controlPlane)',
    )
  const {client} = await bootstrapClient(d.rootDir, BOOTSTRAP_KUBELET_CONF)
  let text: string | undefined
  try {
    text = (await client.get(ConfigMaps, 'kubeadm-config', 'kube-system')).data?.ClusterConfiguration
  } catch (err) {
    if (err instanceof KubeApiError) explainBootstrapError(err, 'reading kube-system/kubeadm-config')
    throw err
  } finally {
    client.close()
  }
  if (!text)
    throw new KforgeError(
      'ConfigMap kube-system/kubeadm-config has no ClusterConfiguration; was upload-config run on the first control plane?',
    )
  // kforge uploads kubeadm.k8s.io/v1 when an argument has a merge method (cluster-config-yaml.ts).
  const docs = parseKubeadmConfig(text, 'kube-system/kubeadm-config', {allowExperimental: true})
  if (!(docs.cluster as {controlPlaneEndpoint?: string} | undefined)?.controlPlaneEndpoint) {
    throw new KforgeError(
      "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address: set ClusterConfiguration.controlPlaneEndpoint (kforge init --control-plane-endpoint) on the first control plane",
    )
  }
  const nr = d.config.nodeRegistration
  const initDoc = {
    localAPIEndpoint: {
      advertiseAddress: cp.localAPIEndpoint.advertiseAddress,
      bindPort: cp.localAPIEndpoint.bindPort,
    },
    nodeRegistration: {
      name: nr.name,
      criSocket: nr.criSocket,
      taints: nr.taints,
      ignorePreflightErrors: nr.ignorePreflightErrors,
    },
    ...(cp.certificateKey ? {certificateKey: cp.certificateKey} : {}),
    timeouts: {},
  }
  // round-trip through the same defaulting as `kforge init --config`
  const config = completeInitConfig(
    parseKubeadmConfig(
      `${stringify({apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'InitConfiguration', ...initDoc})}---\n${text}`,
      'join',
      {allowExperimental: true},
    ),
    detectHost(),
    'kube-system/kubeadm-config',
  )
  config.init.timeouts = d.config.timeouts
  return buildInitData({
    rootDir: d.rootDir,
    config,
    hostname: hostname(),
    skipped: new Set(),
    dryRun,
    ...(d.nodePollMs ? {nodePollMs: d.nodePollMs} : {}),
  })
}
