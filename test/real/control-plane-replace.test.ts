/**
 * Issue 12, end to end on real Kubernetes: a cluster with one control-plane node loses that node
 * and a replacement (another host name, another address) takes over its etcd data, as an instance
 * replaced by its auto-scaling group mounts its member's volume. The replacement runs `kforge init
 * --resume` (what the init claim answers there): etcd resumes as the same member, on the same
 * cluster id, with every object written before; the member moves to the new peer URL.
 */
import {cpSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {EtcdClient} from '../../src/kube/etcd-client.js'
import {
  addNode,
  downLocalCluster,
  kforge,
  kubectl,
  type LocalCluster,
  renderedConfig,
  setControlPlaneTargets,
  stopNode,
  upLocalCluster,
} from '../../src/sandbox/nodes/cluster.js'
import {type LocalNode, writeNodeFiles} from '../../src/sandbox/nodes/node.js'
import {eventually, requireAssets} from './support.js'

const base = '/var/lib/kforge-local-test-replace'
let lc: LocalCluster

/** etcd's client API on `node`, with the API server's etcd client certificate of `node`. */
function etcdOn(node: LocalNode): EtcdClient {
  const pki = (f: string) => readFileSync(join(node.root, 'etc/kubernetes/pki', f))
  return new EtcdClient([`https://${node.address}:2379`], {
    ca: pki('etcd/ca.crt'),
    cert: pki('apiserver-etcd-client.crt'),
    key: pki('apiserver-etcd-client.key'),
  })
}

beforeAll(async () => {
  lc = await upLocalCluster({base, assets: requireAssets(), controlPlanes: 1, workers: 0, log: () => {}})
})

afterAll(async () => {
  await downLocalCluster(base)
})

describe("replacing a single-control-plane cluster's only control-plane node", () => {
  it('resumes its etcd member from the data: the same cluster, every object kept', async () => {
    const first = lc.nodes[0]!
    await kubectl(lc, ['create', 'configmap', 'before-replacement', '--from-literal=k=kept'])
    const before = etcdOn(first)
    const clusterId = await before.clusterId()
    const [member] = await before.memberList()
    expect(member?.peerURLs).toEqual([`https://${first.address}:2380`])

    // The instance is gone; its etcd volume is not.
    await stopNode(first)
    const next = await addNode(lc, 'cp2')
    cpSync(join(first.root, 'var/lib/etcd'), join(next.root, 'var/lib/etcd'), {recursive: true})
    // What the replacement instance gets from the state store: the cluster's CAs and keys, its
    // NodeBootstrap document, and the first group's kubeadm config with its own name and address.
    for (const f of [
      'ca.crt',
      'ca.key',
      'sa.key',
      'sa.pub',
      'front-proxy-ca.crt',
      'front-proxy-ca.key',
      'etcd/ca.crt',
      'etcd/ca.key',
    ])
      writeNodeFiles(
        next,
        {[`/etc/kubernetes/pki/${f}`]: readFileSync(join(first.root, 'etc/kubernetes/pki', f))},
        f.endsWith('.key') ? 0o600 : 0o644,
      )
    writeNodeFiles(next, {'/etc/kforge/node.yaml': readFileSync(join(first.root, 'etc/kforge/node.yaml'))})
    writeNodeFiles(next, {'/etc/kforge/kubeadm.yaml': renderedConfig(lc, next, 'control-plane-init')}, 0o600)
    setControlPlaneTargets(lc, [next])
    const out = await kforge(next, [
      'init',
      '--config',
      '/etc/kforge/kubeadm.yaml',
      '--resume',
      '--skip-phases',
      'etcd-volume',
    ])
    // None of the phases that create a cluster ran: no join command for a new cluster was printed.
    expect(out).not.toContain('kforge join ')

    const cm = await eventually(
      'the ConfigMap written before, through the replacement',
      120_000,
      async () =>
        JSON.parse(await kubectl(lc, ['get', 'configmap', 'before-replacement', '-o', 'json'])) as {
          data: Record<string, string>
        },
    )
    expect(cm.data.k).toBe('kept')
    const after = etcdOn(next)
    expect(await after.clusterId()).toBe(clusterId)
    const members = await after.memberList()
    expect(members.map((m) => [m.ID, m.name, m.peerURLs])).toEqual([
      [member!.ID, 'cp2', [`https://${next.address}:2380`]],
    ])
    // Writes go on, and the replacement registered as a control-plane node.
    await kubectl(lc, ['create', 'configmap', 'after-replacement', '--from-literal=k=new'])
    const node = await eventually('the replacement Node, marked control plane', 120_000, async () => {
      const n = JSON.parse(await kubectl(lc, ['get', 'node', 'cp2', '-o', 'json'])) as {
        metadata: {labels?: Record<string, string>}
      }
      return 'node-role.kubernetes.io/control-plane' in (n.metadata.labels ?? {}) ? n : undefined
    })
    expect(node.metadata.labels).toHaveProperty('node-role.kubernetes.io/control-plane')
  })
})
