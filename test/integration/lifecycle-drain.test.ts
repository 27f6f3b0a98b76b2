/**
 * Cordon and drain against the Kubernetes API double: DaemonSet and mirror pods stay, everything
 * else goes through the eviction subresource, and a PodDisruptionBudget that refuses stops the
 * drain with the blocking pod and the budget named.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KubeClient} from '../../src/kube/client.js'
import {drainNode, uncordon} from '../../src/kube/drain.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {Nodes, Pods} from '../../src/kube/resources.js'
import {type KubeApi, startKubeApi} from '../support/kube-api/index.js'
import {addControlPlanePods, addNode, addPod, PDBS} from './lifecycle-support.js'

describe('drain', () => {
  let api: KubeApi
  let client: KubeClient
  beforeAll(async () => {
    api = await startKubeApi()
    client = new KubeClient(await loadKubeconfig(api.adminKubeconfig))
  })
  afterAll(async () => {
    client?.close()
    await api?.close()
  })

  it('cordons, evicts workload pods, leaves DaemonSet and mirror pods', async () => {
    await addNode(client, {name: 'ip-10-0-1-5.ec2.internal', instanceId: 'i-aaa', zone: 'us-east-1a'})
    await addNode(client, {name: 'ip-10-0-1-6.ec2.internal', instanceId: 'i-bbb', zone: 'us-east-1a'})
    const node = 'ip-10-0-1-5.ec2.internal'
    await addPod(client, {name: 'web-1', node, labels: {app: 'web'}})
    await addPod(client, {name: 'web-2', node: 'ip-10-0-1-6.ec2.internal', labels: {app: 'web'}})
    await addPod(client, {name: 'proxy-x', namespace: 'kube-system', node, daemonSet: 'kube-proxy'})
    await addControlPlanePods(client, node)
    const lines: string[] = []
    const result = await drainNode(client, node, {intervalMs: 20, onEvent: (l) => lines.push(l)})

    expect(result.evicted).toEqual(['default/web-1'])
    expect(result.skipped.map((s) => s.pod).sort()).toEqual(
      [
        'kube-system/etcd-ip-10-0-1-5.ec2.internal',
        'kube-system/kube-apiserver-ip-10-0-1-5.ec2.internal',
        'kube-system/kube-controller-manager-ip-10-0-1-5.ec2.internal',
        'kube-system/kube-scheduler-ip-10-0-1-5.ec2.internal',
        'kube-system/proxy-x',
      ].sort(),
    )
    expect((await client.get(Nodes, node)).spec?.unschedulable).toBe(true)
    expect(await client.find(Pods, 'web-1', 'default')).toBeUndefined()
    expect(await client.find(Pods, 'web-2', 'default')).toBeDefined()
    expect(await client.find(Pods, 'proxy-x', 'kube-system')).toBeDefined()
    // Every removal went through the eviction subresource, not a plain DELETE.
    const evictions = api.cluster.audit.filter((a) => a.path.endsWith('/eviction'))
    expect(evictions.map((a) => a.path)).toEqual(['/api/v1/namespaces/default/pods/web-1/eviction'])
    expect(api.cluster.audit.some((a) => a.verb === 'delete' && a.path.includes('/pods/'))).toBe(false)
    expect(lines[0]).toBe(`node ${node} cordoned`)

    await uncordon(client, node)
    expect((await client.get(Nodes, node)).spec?.unschedulable).toBeUndefined()
  })

  it('a PodDisruptionBudget that refuses stops the drain, naming the pod and the budget', async () => {
    const node = 'ip-10-0-2-7.ec2.internal'
    await addNode(client, {name: node, instanceId: 'i-ccc', zone: 'us-east-1b'})
    await client.create(PDBS, {
      metadata: {name: 'db-pdb', namespace: 'default'},
      spec: {minAvailable: 1, selector: {matchLabels: {app: 'db'}}},
    })
    await addPod(client, {name: 'db-0', node, labels: {app: 'db'}})
    await addPod(client, {name: 'cache-0', node, labels: {app: 'cache'}})
    const err = await drainNode(client, node, {intervalMs: 20, timeoutMs: 300}).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    const message = (err as Error).message
    expect(message).toContain(`draining node ${node}: timed out after 300ms`)
    expect(message).toContain('pod default/db-0 could not be evicted')
    expect(message).toContain("Cannot evict pod as it would violate the pod's disruption budget.")
    expect(message).toContain('The disruption budget db-pdb needs 1 healthy pods and has 1 currently')
    expect(message).not.toContain('cache-0')
    // What the budget allowed went; what it protects stayed.
    expect(await client.find(Pods, 'cache-0', 'default')).toBeUndefined()
    expect(await client.find(Pods, 'db-0', 'default')).toBeDefined()
  })

  it('a budget with room lets the eviction through', async () => {
    const node = 'ip-10-0-3-8.ec2.internal'
    await addNode(client, {name: node, instanceId: 'i-ddd', zone: 'us-east-1c'})
    await client.create(PDBS, {
      metadata: {name: 'api-pdb', namespace: 'default'},
      spec: {maxUnavailable: 1, selector: {matchLabels: {app: 'api'}}},
    })
    await addPod(client, {name: 'api-0', node, labels: {app: 'api'}})
    await addPod(client, {name: 'api-1', node: 'ip-10-0-1-6.ec2.internal', labels: {app: 'api'}})
    const result = await drainNode(client, node, {intervalMs: 20, timeoutMs: 2000})
    expect(result.evicted).toEqual(['default/api-0'])
  })
})
