/**
 * The rolling update with the Kubernetes steps: the emulator's instances, and the API double
 * standing in for the cluster they run (a "kubelet" registers a Ready Node for each instance as it
 * appears). A PodDisruptionBudget that blocks stops the roll naming the pod; once it is relaxed, a
 * second run continues (finishing the instance the first run detached for surge), drains each node
 * before its instance is terminated, and leaves a cluster that validates.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {AwsCall} from '../../src/cloud/aws/clients.js'
import type {KubeClient} from '../../src/kube/client.js'
import {Nodes, Pods} from '../../src/kube/resources.js'
import {clusterKubeAccess} from '../../src/lifecycle/kube-access.js'
import {rollingUpdate} from '../../src/lifecycle/rolling-update.js'
import {loadCluster, saveClusterSpec} from '../../src/state/clusters.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import type {KubeApi} from '../support/kube-api/index.js'
import {type LifecycleKube, startLifecycleKube} from './lifecycle-kube.js'
import {cloudSandbox} from './lifecycle-sandbox.js'
import {addPod, PDBS, runningInstances} from './lifecycle-support.js'

process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const REGION = 'us-west-1'
const NAME = 'rolling-drain.example.com'

describe('rolling-update with drain, against the emulator and the API double', () => {
  const calls: {call: AwsCall; audit: number}[] = []
  // The AWS calls of this file's clients, each with how far the API double's audit log had got.
  const {store, aws, kforge, deleteCluster} = cloudSandbox(REGION, 50, {
    onCall: (call) => calls.push({call, audit: api?.cluster.audit.length ?? 0}),
  })
  let k8s: LifecycleKube
  let api: KubeApi
  let client: KubeClient
  let nodeInstances: string[]

  beforeAll(async () => {
    await saveClusterSpec(store, publicSingleCluster(NAME, REGION))
    expect((await kforge('update', 'cluster', NAME, '--yes')).code).toBe(0)
    k8s = await startLifecycleKube(aws, NAME)
    ;({api, client} = k8s)
    const instances = await runningInstances(aws, NAME)
    nodeInstances = instances
      .filter((i) => i.group === 'nodes')
      .map((i) => i.id)
      .sort()
    const nodeName = (id: string) => instances.find((i) => i.id === id)!.privateDns
    // The first instance the roll drains (members in id order; the last is detached for surge).
    await addPod(client, {name: 'db-0', node: nodeName(nodeInstances[0]!), labels: {app: 'db'}})
    await addPod(client, {name: 'web-0', node: nodeName(nodeInstances[0]!), labels: {app: 'web'}})
    await addPod(client, {name: 'web-1', node: nodeName(nodeInstances[1]!), labels: {app: 'web'}})
    await addPod(client, {
      name: 'kube-proxy-a',
      namespace: 'kube-system',
      node: nodeName(nodeInstances[0]!),
      daemonSet: 'kube-proxy',
    })
    await client.create(PDBS, {
      metadata: {name: 'db', namespace: 'default'},
      spec: {minAvailable: 1, selector: {matchLabels: {app: 'db'}}},
    })

    const cluster = await loadCluster(store, NAME)
    cluster.instanceGroups.find((g) => g.name === 'nodes')!.spec.machineType = 't3.large'
    await saveClusterSpec(store, cluster)
    expect((await kforge('update', 'cluster', NAME, '--yes')).code).toBe(0)
  }, 240_000)

  afterAll(async () => {
    await k8s?.close()
    await deleteCluster(NAME)
  }, 180_000)

  it('a PodDisruptionBudget that blocks eviction stops the roll, naming the pod', async () => {
    const r = await kforge(
      'rolling-update',
      'cluster',
      NAME,
      '--yes',
      '--kubeconfig',
      api.adminKubeconfig,
      '--drain-timeout',
      '1s',
      '--validate-timeout',
      '30s',
    )
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      `rolling update stopped at ${nodeInstances[0]} of group nodes (0 of 2 instances replaced)`,
    )
    expect(r.stderr).toContain('pod default/db-0 could not be evicted')
    expect(r.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.")
    expect(r.stderr).toContain('The disruption budget db needs 1 healthy pods and has 1 currently')
    expect(r.stderr).toContain(`kforge rolling-update cluster ${NAME} --yes" again to continue`)
    // Nothing was terminated; the node stays cordoned; what the budget protects is still there.
    const running = (await runningInstances(aws, NAME)).map((i) => i.id)
    for (const id of nodeInstances) expect(running).toContain(id)
    expect(calls.some((c) => c.call.action === 'TerminateInstanceInAutoScalingGroup')).toBe(false)
    expect(await client.find(Pods, 'db-0', 'default')).toBeDefined()
    const nodes = (await client.list(Nodes)).items
    const drained = nodes.find((n) => n.spec?.providerID?.endsWith(`/${nodeInstances[0]}`))!
    expect(drained.spec?.unschedulable).toBe(true)
  })

  it('once the budget allows it, a re-run continues, draining each node before terminating it', async () => {
    await client.patch(PDBS, 'db', 'default', {spec: {minAvailable: 0}})
    const cluster = await loadCluster(store, NAME)
    const kube = await clusterKubeAccess(NAME, {kubeconfig: api.adminKubeconfig})
    const lines: string[] = []
    const {Logger} = await import('../../src/util/logger.js')
    const result = await rollingUpdate(cluster, {
      aws,
      kube,
      cloudOnly: false,
      yes: true,
      drainTimeoutMs: 5000,
      validateTimeoutMs: 30_000,
      intervalMs: 50,
      logger: new Logger('info', (l) => lines.push(l)),
    })
    if ('client' in kube) kube.client.close()
    // The instance the first run detached for surge is part of this run, as a leftover.
    const reasons = result.candidates.map((c) => `${c.instance} ${c.reason}`)
    expect(reasons).toContainEqual(expect.stringMatching(new RegExp(`^${nodeInstances[1]} detached from`)))
    expect(result.replaced.map((r) => r.instance).sort()).toEqual(nodeInstances)

    // Each old instance was terminated only after the evictions of its pods.
    const evictedAt = (pod: string) =>
      api.cluster.audit.findIndex(
        (a) => a.path === `/api/v1/namespaces/default/pods/${pod}/eviction` && a.code === 201,
      )
    const terminatedAt = (id: string) => {
      const i = result.replaced.findIndex((r) => r.instance === id)
      return calls.filter((c) => /^Terminate/.test(c.call.action))[i]!.audit
    }
    expect(evictedAt('db-0')).toBeGreaterThanOrEqual(0)
    expect(evictedAt('web-0')).toBeGreaterThanOrEqual(0)
    expect(evictedAt('web-1')).toBeGreaterThanOrEqual(0)
    expect(evictedAt('db-0')).toBeLessThan(terminatedAt(nodeInstances[0]!))
    expect(evictedAt('web-0')).toBeLessThan(terminatedAt(nodeInstances[0]!))
    expect(evictedAt('web-1')).toBeLessThan(terminatedAt(nodeInstances[1]!))
    expect(evictedAt('web-1')).toBeGreaterThan(terminatedAt(nodeInstances[0]!))
    // DaemonSet pods are left to their controller.
    expect(await client.find(Pods, 'kube-proxy-a', 'kube-system')).toBeDefined()
    expect(api.cluster.audit.some((a) => a.path.includes('kube-proxy-a/eviction'))).toBe(false)
    // The old Nodes are gone with their instances.
    const providers = (await client.list(Nodes)).items.map((n) => n.spec?.providerID?.split('/').pop())
    for (const id of nodeInstances) expect(providers).not.toContain(id)
    expect(lines.join('\n')).toContain('evicting pod default/db-0')

    const again = await kforge(
      'rolling-update',
      'cluster',
      NAME,
      '--yes',
      '--kubeconfig',
      api.adminKubeconfig,
    )
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('No rolling update needed')
    const valid = await kforge('validate', 'cluster', NAME, '--kubeconfig', api.adminKubeconfig)
    expect(valid.stderr).toBe('')
    expect(valid.code).toBe(0)
    expect(valid.stdout).toContain(`Your cluster ${NAME} is ready.`)
    expect(valid.stdout).toMatch(/NODES \(/)
  })
})
