/**
 * Wire compatibility, the other way round: upstream `kubeadm init` makes the control plane (fed
 * the config kforge renders for the first control-plane group, with the local profile applied as
 * for `kforge init`), and `kforge join` joins a worker to it. Discovery (cluster-info signed by the
 * real BootstrapSigner for kubeadm's token), the RBAC that lets the token create a CSR and have it
 * approved, and the TLS bootstrap's signer are all upstream kubeadm's and kube-controller-manager's.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  bootLocalCluster,
  downLocalCluster,
  joinNode,
  kubectl,
  type LocalCluster,
  nodeExec,
  waitNodesReady,
} from '../../src/sandbox/nodes/cluster.js'
import {kubeadmInitFirstControlPlane} from '../../src/sandbox/nodes/upstream.js'
import {eventually, kubeJson, type PodList, requireAssets} from './support.js'

const base = '/var/lib/kforge-local-test-kubeadm'
let lc: LocalCluster
const node = (name: string) => lc.nodes.find((n) => n.name === name)!

beforeAll(async () => {
  lc = await bootLocalCluster({base, assets: requireAssets(), controlPlanes: 1, workers: 1, log: () => {}})
  const started = Date.now()
  await kubeadmInitFirstControlPlane(lc, node('cp1'))
  process.stderr.write(`kubeadm init took ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
})

afterAll(async () => {
  await downLocalCluster(base)
})

interface ConfigMap {
  data: Record<string, string>
}

describe('a control plane made by upstream kubeadm init', () => {
  it('serves, runs its static pods and publishes cluster-info signed for its token', async () => {
    expect((await kubectl(lc, ['get', '--raw', '/readyz'])).trim()).toBe('ok')
    // kubeadm wrote these, not kforge: its own manifests and its own marker in the config it uploads
    const manifest = await nodeExec(node('cp1'), ['cat', '/etc/kubernetes/manifests/kube-apiserver.yaml'])
    expect(manifest).toContain('image: registry.k8s.io/kube-apiserver:v1.37.2')
    const pods = await kubeJson<PodList>(lc, ['get', 'pods', '-n', 'kube-system', '-l', 'tier=control-plane'])
    expect(pods.items.map((p) => p.metadata.labels?.component).sort()).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
    ])
    const tokenId = lc.token.split('.')[0]!
    await eventually('cluster-info signed for the token', 60_000, async () => {
      const cm = await kubeJson<ConfigMap>(lc, ['get', 'configmap', 'cluster-info', '-n', 'kube-public'])
      return cm.data[`jws-kubeconfig-${tokenId}`] ? true : undefined
    })
  })
})

describe('kforge join to it', () => {
  it('discovers with the token and CA pin, bootstraps its kubelet through the CSR API and is Ready', async () => {
    const started = Date.now()
    await joinNode(lc, node('w1'), false)
    await waitNodesReady(lc)
    process.stderr.write(`kforge join to Ready took ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
    const tokenId = lc.token.split('.')[0]!
    const csrs = await kubeJson<{
      items: {
        spec: {username: string; signerName: string}
        status: {certificate?: string; conditions?: {type: string; reason?: string}[]}
      }[]
    }>(lc, ['get', 'csr'])
    const w1 = csrs.items.filter((c) => c.spec.username === `system:bootstrap:${tokenId}`)
    expect(w1).toHaveLength(1)
    expect(w1[0]!.spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet')
    expect(w1[0]!.status.conditions?.[0]).toMatchObject({type: 'Approved', reason: 'AutoApproved'})
    expect(w1[0]!.status.certificate).toBeTruthy()
    // the kubelet runs on the client certificate kube-controller-manager issued
    const kubeletConf = await nodeExec(node('w1'), ['cat', '/etc/kubernetes/kubelet.conf'])
    expect(kubeletConf).toContain('/var/lib/kubelet/pki/kubelet-client-current.pem')
    const node1 = await kubeJson<{metadata: {labels: Record<string, string>}}>(lc, ['get', 'node', 'w1'])
    expect(node1.metadata.labels['kforge.dev/instancegroup']).toBeDefined()
  })
})
