/**
 * The roll guard (src/lifecycle/roll-guard.ts) on a three-zone cluster in the emulator, the API
 * double standing in for its control plane (a "kubelet" registers a Ready Node and Ready static
 * pods for each instance as it appears). A member that is not healthy, or a lost quorum, stops the
 * roll before any instance goes; --force-unhealthy rolls anyway with a warning naming the risk,
 * the unhealthy member's instance first; each control-plane replacement waits for the quorum
 * (`/readyz/etcd`) and the new member before the next; --cloudonly says what it cannot check.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {AwsCall} from '../../src/cloud/aws/clients.js'
import type {KubeClient} from '../../src/kube/client.js'
import {Nodes} from '../../src/kube/resources.js'
import {clusterKubeAccess} from '../../src/lifecycle/kube-access.js'
import {rollingUpdate} from '../../src/lifecycle/rolling-update.js'
import {loadCluster, saveClusterSpec} from '../../src/state/clusters.js'
import {Logger} from '../../src/util/logger.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import type {KubeApi} from '../support/kube-api/index.js'
import {type LifecycleKube, startLifecycleKube} from './lifecycle-kube.js'
import {cloudSandbox} from './lifecycle-sandbox.js'
import {runningInstances} from './lifecycle-support.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const REGION = 'eu-west-1'
const NAME = 'rolling-guard.example.com'

describe('rolling-update keeps etcd quorum (emulator and API double)', () => {
  const calls: {action: string; at: number; quorum: boolean}[] = []
  const {store, aws, kforge, deleteCluster} = cloudSandbox(REGION, 50, {
    onCall: (call: AwsCall) =>
      calls.push({action: call.action, at: Date.now(), quorum: api?.cluster.etcdQuorum ?? true}),
  })
  let k8s: LifecycleKube
  let api: KubeApi
  let client: KubeClient
  const controlPlane = async () =>
    (await runningInstances(aws, NAME))
      .filter((i) => i.role === 'control-plane')
      .sort((a, b) => (a.group < b.group ? -1 : 1))
  const setReady = async (nodeName: string, ready: boolean) => {
    const node = (await client.find(Nodes, nodeName))!
    await client.update(
      Nodes,
      {
        ...node,
        status: {
          ...node.status,
          conditions: [{type: 'Ready', status: ready ? 'True' : 'False', reason: 'KubeletNotReady'}],
        },
      },
      'status',
    )
  }
  const roll = (...extra: string[]) =>
    kforge(
      'rolling-update',
      'cluster',
      NAME,
      '--yes',
      '--kubeconfig',
      api.adminKubeconfig,
      '--validate-timeout',
      '60s',
      ...extra,
    )

  beforeAll(async () => {
    const cluster = publicSingleCluster(NAME, REGION)
    // Three zones: three control-plane groups of one instance each, a three-member etcd.
    const {clusterFromOptions} = await import('../../src/api/v1alpha1/flags.js')
    const three = clusterFromOptions({
      name: NAME,
      zones: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
      topology: 'public',
      nodeCount: 1,
    })
    three.spec.cloud.aws.image = cluster.spec.cloud.aws.image
    three.spec.dns = {zone: '', type: 'none'}
    await saveClusterSpec(store, three)
    const up = await kforge('update', 'cluster', NAME, '--yes')
    expect(up.code, up.stderr).toBe(0)
    k8s = await startLifecycleKube(aws, NAME)
    ;({api, client} = k8s)
    const next = await loadCluster(store, NAME)
    for (const g of next.instanceGroups) if (g.spec.role === 'control-plane') g.spec.machineType = 't3.large'
    await saveClusterSpec(store, next)
    const update = await kforge('update', 'cluster', NAME, '--yes')
    expect(update.code, update.stderr).toBe(0)
  }, 300_000)

  afterAll(async () => {
    await k8s?.close()
    await deleteCluster(NAME)
  }, 180_000)

  it('refuses to start while a member is unhealthy or the quorum is lost, naming the risk; nothing is terminated', async () => {
    const cp = await controlPlane()
    expect(cp).toHaveLength(3)
    await setReady(cp[1]!.privateDns, false)
    const r = await roll()
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`etcd of cluster ${NAME} is not healthy, so the rolling update did not start`)
    expect(r.stderr).toContain(
      `member on ${cp[1]!.id} (group ${cp[1]!.group}): Node ${cp[1]!.privateDns} is not Ready`,
    )
    expect(r.stderr).toContain('can lose etcd quorum (3 members need 2 healthy to keep quorum)')
    expect(r.stderr).toContain('--force-unhealthy')
    await setReady(cp[1]!.privateDns, true)

    api.cluster.etcdQuorum = false
    const lost = await roll()
    api.cluster.etcdQuorum = true
    expect(lost.code).not.toBe(0)
    expect(lost.stderr).toContain('quorum: /readyz/etcd: HTTP 500')
    expect(calls.some((c) => /^Terminate/.test(c.action))).toBe(false)
    expect((await controlPlane()).map((i) => i.id)).toEqual(cp.map((i) => i.id))
  }, 120_000)

  it('--force-unhealthy warns, replaces the unhealthy member first, and waits for the quorum after each', async () => {
    const cp = await controlPlane()
    await setReady(cp[2]!.privateDns, false)
    const lines: string[] = []
    const kube = await clusterKubeAccess(NAME, {kubeconfig: api.adminKubeconfig})
    // The quorum is gone for a moment after the first replacement (a new member catching up):
    // the next instance must not go before /readyz/etcd answers again.
    let back = 0
    const watch = setInterval(() => {
      const terminated = calls.filter((c) => /^Terminate/.test(c.action)).length
      if (terminated === 1 && back === 0) {
        api.cluster.etcdQuorum = false
        back = Date.now() + 1500
      }
      if (back && Date.now() > back) api.cluster.etcdQuorum = true
    }, 20)
    try {
      const result = await rollingUpdate(await loadCluster(store, NAME), {
        aws,
        kube,
        cloudOnly: false,
        yes: true,
        forceUnhealthy: true,
        validateTimeoutMs: 60_000,
        intervalMs: 50,
        logger: new Logger('info', (l) => lines.push(l)),
      })
      expect(result.replaced.map((x) => x.instance)).toEqual([cp[2]!.id, cp[0]!.id, cp[1]!.id])
      expect(result.etcd).toMatchObject({source: 'api', forced: true, unhealthy: [cp[2]!.id]})
    } finally {
      clearInterval(watch)
      api.cluster.etcdQuorum = true
      if ('client' in kube) kube.client.close()
    }
    const log = lines.join('\n')
    expect(log).toContain('--force-unhealthy: rolling anyway')
    expect(log).toContain(
      'RISK: replacing a control-plane instance while a member is unhealthy can lose etcd quorum',
    )
    expect(log).toContain('waiting for etcd: quorum: /readyz/etcd')
    expect(log.match(/etcd: every control-plane member healthy/g)).toHaveLength(3)
    const terminations = calls.filter((c) => /^Terminate/.test(c.action))
    expect(terminations).toHaveLength(3)
    // Each termination after the first happened with the quorum whole, after it came back.
    expect(terminations[1]!.at).toBeGreaterThan(back)
    expect(terminations.every((t) => t.quorum)).toBe(true)
  }, 240_000)

  it('--cloudonly says the guard cannot see etcd, and checks only the groups', async () => {
    const cluster = await loadCluster(store, NAME)
    cluster.instanceGroups.find((g) => g.name === `control-plane-${REGION}a`)!.spec.machineType = 't3.xlarge'
    await saveClusterSpec(store, cluster)
    expect((await kforge('update', 'cluster', NAME, '--yes')).code).toBe(0)
    const r = await kforge('rolling-update', 'cluster', NAME, '--yes', '--cloudonly', '-o', 'json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('etcd health not checked: --cloudonly reads no Kubernetes API')
    const out = JSON.parse(r.stdout)
    expect(out.etcd).toMatchObject({source: 'cloud', problems: [], forced: false})
    expect(out.etcd.note).toContain('only that every control-plane group has its instances InService')
    expect(out.replaced).toHaveLength(1)
  }, 120_000)
})
