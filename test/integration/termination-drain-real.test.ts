/**
 * The termination watcher drains its node as the node itself (the kubelet's identity,
 * `system:node:<name>` in `system:nodes`), not as an admin. Whether the API server lets a node do
 * that is the real apiserver's decision (the Node authorizer and the NodeRestriction admission
 * plugin, as kforge's control plane runs them), so it is checked against the real kube-apiserver
 * (test/support/real-apiserver.ts): the node reads its own Node and its instance-group label,
 * cordons itself, lists and evicts its own pods, and the drain finishes; it may not cordon another
 * node or evict another node's pod. No kubelet runs there, so the test plays the kubelet's last
 * part: a pod being deleted is removed for good by its own node, as the kubelet does once its
 * containers have stopped.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {hookTarget} from '../../src/assets/agent/termination-target.js'
import {drainHookName} from '../../src/cloud/aws/build/drain-hook.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {KubeClient} from '../../src/kube/client.js'
import {cordon, drainNode, evictPod} from '../../src/kube/drain.js'
import {KubeApiError} from '../../src/kube/errors.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {Nodes, Pods, resourcePath} from '../../src/kube/resources.js'
import type {Pod} from '../../src/kube/types.js'
import {INSTANCE_GROUP_LABEL} from '../../src/render/kubeadm.js'
import {issue, loadCa} from '../support/kube-api/index.js'
import {type RealApiServer, startRealApiServer} from '../support/real-apiserver.js'

const SELF = 'ip-10-0-1-21.ec2.internal'
const OTHER = 'ip-10-0-1-22.ec2.internal'

let real: RealApiServer
let admin: KubeClient
let node: KubeClient

beforeAll(async () => {
  real = await startRealApiServer()
  admin = new KubeClient(await loadKubeconfig(real.adminKubeconfig))
  const ca = await loadCa(real.caPem, real.caKeyPem)
  const cert = await issue(ca, {
    commonName: `system:node:${SELF}`,
    organizations: ['system:nodes'],
    usage: 'client',
  })
  node = new KubeClient({
    server: real.url,
    ca: Buffer.from(real.caPem),
    cert: Buffer.from(cert.certPem),
    key: Buffer.from(cert.keyPem!),
  })
}, 300_000)

afterAll(async () => {
  node?.close()
  admin?.close()
  await real?.close()
})

async function pod(name: string, nodeName: string, namespace = 'default'): Promise<Pod> {
  return admin.create(Pods, {
    metadata: {name, namespace},
    spec: {nodeName, containers: [{name: 'c', image: 'registry.k8s.io/pause:3.10.2'}]},
  } as Pod)
}

async function forbidden(p: Promise<unknown>): Promise<number | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof KubeApiError ? e.code : -1),
  )
}

describe('a node drains itself, against the real kube-apiserver', {timeout: 120_000}, () => {
  it('reads its group, cordons itself, evicts its own pods; nothing of another node', async () => {
    for (const name of [SELF, OTHER]) {
      await admin.create(Nodes, {metadata: {name, labels: {[INSTANCE_GROUP_LABEL]: 'nodes'}}})
    }
    // Pods need the namespace's default service account, which a controller makes after start.
    for (let i = 0; ; i++) {
      const sa = await admin.raw('GET', '/api/v1/namespaces/default/serviceaccounts/default')
      if (sa.status === 200) break
      if (i > 600) throw new Error('no default service account')
      await new Promise((r) => setTimeout(r, 100))
    }
    await pod('web-0', SELF)
    await pod('web-1', SELF)
    await pod('elsewhere', OTHER)

    // The group and hook it completes, found through its own Node.
    expect(await hookTarget('real.example.com', {client: node, node: SELF})).toEqual({
      group: awsNames.autoScalingGroup('nodes', 'real.example.com'),
      hook: drainHookName('real.example.com'),
    })

    // The kubelet's last part: a pod of this node being deleted is removed by the node itself.
    let stop = false
    const kubelet = (async () => {
      while (!stop) {
        const mine = await node.list(Pods, undefined, {fieldSelector: `spec.nodeName=${SELF}`})
        for (const p of mine.items.filter((x) => x.metadata.deletionTimestamp)) {
          await node
            .request('DELETE', resourcePath(Pods, p.metadata.namespace, p.metadata.name), {
              body: {kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0},
            })
            .catch(() => undefined)
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    try {
      const lines: string[] = []
      const result = await drainNode(node, SELF, {
        intervalMs: 50,
        timeoutMs: 60_000,
        onEvent: (l) => lines.push(l),
      })
      expect(result.evicted.sort()).toEqual(['default/web-0', 'default/web-1'])
      expect(lines[0]).toBe(`node ${SELF} cordoned`)
    } finally {
      stop = true
      await kubelet
    }
    expect((await admin.get(Nodes, SELF)).spec?.unschedulable).toBe(true)
    expect(await admin.find(Pods, 'web-0', 'default')).toBeUndefined()

    // Nothing of another node: NodeRestriction refuses both.
    expect(await forbidden(cordon(node, OTHER))).toBe(403)
    expect(await forbidden(evictPod(node, await admin.get(Pods, 'elsewhere', 'default')))).toBe(403)
    expect((await admin.get(Nodes, OTHER)).spec?.unschedulable).toBeUndefined()
    expect(await admin.find(Pods, 'elsewhere', 'default')).toBeDefined()
  })
})
