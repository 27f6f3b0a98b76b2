/**
 * Three control-plane nodes (etcd quorum), and upstream kubeadm on both sides of the wire: a second
 * control plane joins with `kforge join` (its etcd member added to the real etcd, its apiserver
 * serving), and upstream `kubeadm join` joins a worker with kforge's token and CA pin.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  addNode,
  downLocalCluster,
  kubectl,
  type LocalCluster,
  nodeExec,
  upLocalCluster,
} from '../../src/sandbox/nodes/cluster.js'
import {kubeadmJoinWorker} from '../../src/sandbox/nodes/upstream.js'
import {eventually, kubeJson, type PodList, requireAssets} from './support.js'

const base = '/var/lib/kforge-local-test-cp'
let lc: LocalCluster

beforeAll(async () => {
  lc = await upLocalCluster({base, assets: requireAssets(), controlPlanes: 3, workers: 0, log: () => {}})
})

afterAll(async () => {
  await downLocalCluster(base)
})

describe('a second control-plane node', () => {
  it('runs its own etcd member and apiserver, serving what was written through the first', async () => {
    const pods = await kubeJson<PodList>(lc, ['get', 'pods', '-n', 'kube-system', '-l', 'tier=control-plane'])
    const onCp2 = pods.items.filter((p) => p.spec.nodeName === 'cp2' && p.status.phase === 'Running')
    expect(onCp2.map((p) => p.metadata.labels?.component).sort()).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
    ])
    await kubectl(lc, ['create', 'configmap', 'written-through-cp1', '--from-literal=k=v'])
    // cp2's apiserver reads from its local etcd member only (--etcd-servers on its own node)
    const cp2 = lc.nodes.find((n) => n.name === 'cp2')!
    const direct = ['--server', `https://${cp2.address}:6443`, '--tls-server-name', lc.apiName]
    expect((await kubectl(lc, [...direct, 'get', '--raw', '/readyz'])).trim()).toBe('ok')
    const cm = await eventually(
      'the ConfigMap through cp2',
      30_000,
      async () =>
        JSON.parse(
          await kubectl(lc, [...direct, 'get', 'configmap', 'written-through-cp1', '-o', 'json']),
        ) as {
          data: Record<string, string>
        },
    )
    expect(cm.data.k).toBe('v')
    const manifest = await nodeExec(cp2, ['cat', '/etc/kubernetes/manifests/etcd.yaml'])
    expect(manifest).toContain('--initial-cluster-state=existing')
    expect(manifest).toContain(`cp1=https://${lc.nodes[0]!.address}:2380`)
  })
})

describe('upstream kubeadm join with kforge credentials', () => {
  it("joins a worker to kforge's control plane with kforge's token and CA pin", async () => {
    const node = await addNode(lc, 'kw1')
    await kubeadmJoinWorker(lc, node)
    await eventually('kw1 Ready', 180_000, async () => {
      const n = await kubeJson<{status: {conditions: {type: string; status: string}[]}}>(lc, [
        'get',
        'node',
        'kw1',
      ])
      return n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined
    })
  })
})
