/**
 * The node agent's termination watcher against stand-ins for everything an instance talks to: an
 * IMDSv2 stand-in (test/support/imds.ts), the emulator's Auto Scaling with lifecycle actions
 * (test/support/asg-lifecycle.ts, in front of moto, holding a group and its termination hook that
 * kforge's own model created), and the Kubernetes API double as the node's kubelet identity
 * (`system:node:<name>`, as the kubelet's kubeconfig gives it). Polls are fast; nothing is timed:
 * every wait is for an event.
 */
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DescribeAutoScalingGroupsCommand} from '@aws-sdk/client-auto-scaling'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {Imds} from '../../src/assets/agent/imds.js'
import {autoScalingLifecycleActions} from '../../src/assets/agent/lifecycle-actions.js'
import {nodeAccess} from '../../src/assets/agent/node-access.js'
import {
  INSTANCE_ID,
  type LifecycleActions,
  SPOT_NOTICE,
  TARGET_LIFECYCLE_STATE,
  type WatchOptions,
  type WatchResult,
  watchTermination,
} from '../../src/assets/agent/termination.js'
import {buildNodeAgent} from '../../src/assets/node-agent-build.js'
import {drainHookName} from '../../src/cloud/aws/build/drain-hook.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {AwsClients} from '../../src/cloud/aws/clients.js'
import {KubeClient} from '../../src/kube/client.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {Nodes, Pods} from '../../src/kube/resources.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import {INSTANCE_GROUP_LABEL} from '../../src/render/kubeadm.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {type LifecycleStandIn, startLifecycleStandIn} from '../support/asg-lifecycle.js'
import {tempDir} from '../support/cli.js'
import {type ImdsStandIn, startImds} from '../support/imds.js'
import {type KubeApi, startKubeApi} from '../support/kube-api/index.js'
import {addNode, addPod, PDBS} from './lifecycle-support.js'

const region = 'eu-south-1'
process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const cluster = publicSingleCluster('watcher.termination.example.com', region)
const group = awsNames.autoScalingGroup('nodes', cluster.name)
const hook = drainHookName(cluster.name)

/** Waits for `check` to hold, polling; fails with `what` after a generous bound. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`gave up waiting for ${what}`)
}

let api: KubeApi
let admin: KubeClient
let asg: LifecycleStandIn
let instances: string[] = []
const moto = () => inject('awsEndpoint')

beforeAll(async () => {
  // The library path with user-data of its own: this test needs the groups and hooks, not a boot.
  const userData = (group: string) => `#cloud-config\n# ${group}\n`
  await updateCluster(cluster, {aws: new AwsClients({region, endpoint: moto()}), yes: true, userData})
  const described = await (await new AwsClients({region, endpoint: moto()}).autoScaling()).send(
    new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [group]}),
  )
  instances = (described.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId!)
  asg = await startLifecycleStandIn(moto(), region)
  api = await startKubeApi()
  admin = new KubeClient(await loadKubeconfig(api.adminKubeconfig))
}, 300_000)

afterAll(async () => {
  admin?.close()
  await api?.close()
  await asg?.close()
  await deleteCluster(cluster.name, {
    aws: new AwsClients({region, endpoint: moto()}),
    yes: true,
    spec: cluster,
  })
}, 300_000)

/** A node of the cluster with a workload pod and a DaemonSet pod, and the kubelet's kubeconfig for it. */
async function node(name: string, instanceId: string): Promise<string> {
  await addNode(admin, {name, instanceId, zone: `${region}a`})
  await addPod(admin, {name: `web-${name}`, node: name, labels: {app: 'web'}})
  await addPod(admin, {name: `proxy-${name}`, namespace: 'kube-system', node: name, daemonSet: 'kube-proxy'})
  return api.userKubeconfig(`system:node:${name}`, ['system:nodes'])
}

const cordoned = async (name: string) => (await admin.get(Nodes, name)).spec?.unschedulable === true
const present = async (pod: string, ns = 'default') => (await admin.find(Pods, pod, ns)) !== undefined

/** The real lifecycle actions, with what the API double showed at each call (the order under test). */
function observed(name: string): {
  actions: LifecycleActions
  seen: {call: string; cordoned: boolean; web: boolean}[]
} {
  const seen: {call: string; cordoned: boolean; web: boolean}[] = []
  let client: Awaited<ReturnType<AwsClients['autoScaling']>> | undefined
  const inner = async () => {
    client ??= await new AwsClients({region, endpoint: asg.endpoint}).autoScaling()
    return autoScalingLifecycleActions(client, {group, hook})
  }
  const look = async (call: string) =>
    seen.push({call, cordoned: await cordoned(name), web: await present(`web-${name}`)})
  return {
    seen,
    actions: {
      complete: async (id) => {
        await look('complete')
        return (await inner()).complete(id)
      },
      heartbeat: async (id) => {
        await look('heartbeat')
        return (await inner()).heartbeat(id)
      },
    },
  }
}

/** Lifecycle actions that always find an action waiting, and remember each call. */
function recorder(): {calls: Array<'complete' | 'heartbeat'>; actions: LifecycleActions} {
  const calls: Array<'complete' | 'heartbeat'> = []
  return {
    calls,
    actions: {
      complete: async () => {
        calls.push('complete')
        return 'completed'
      },
      heartbeat: async () => {
        calls.push('heartbeat')
        return 'recorded'
      },
    },
  }
}

function watch(
  imds: ImdsStandIn,
  kubeconfig: string,
  actions: LifecycleActions,
  extra: Partial<WatchOptions> = {},
): {lines: string[]; done: Promise<WatchResult | undefined>} {
  const lines: string[] = []
  const done = watchTermination({
    imds: new Imds({base: imds.url}),
    actions,
    kube: () => nodeAccess(kubeconfig),
    pollIntervalMs: 10,
    drainIntervalMs: 10,
    log: (l) => lines.push(l),
    ...extra,
  })
  return {lines, done}
}

describe('termination watcher', {timeout: 120_000}, () => {
  it('a spot notice: cordon and drain, then complete the lifecycle action once the group terminates it', async () => {
    const name = 'ip-10-0-1-11.eu-south-1.compute.internal'
    const instance = instances[0]!
    const kubeconfig = await node(name, instance)
    const imds = await startImds({[INSTANCE_ID]: instance})
    const {actions, seen} = observed(name)
    const w = watch(imds, kubeconfig, actions)
    try {
      await until('the watcher to poll', () => imds.requests.some((r) => r.path.endsWith(SPOT_NOTICE)))
      imds.set(SPOT_NOTICE, JSON.stringify({action: 'terminate', time: '2099-01-01T00:00:00Z'}))
      // Drained, then a completion AWS refuses: the group has not begun to terminate the instance.
      await until('the first completion', () => asg.calls.some((c) => c.instanceId === instance))
      expect(asg.calls.filter((c) => c.instanceId === instance)).toMatchObject([
        {action: 'CompleteLifecycleAction', group, hook, accepted: false},
      ])
      // EC2 reclaims it; the group terminates it and waits on the hook.
      expect(await asg.beginTermination(group, instance)).toBe(true)
      imds.set(TARGET_LIFECYCLE_STATE, 'Terminated')
      const result = await w.done
      expect(result).toMatchObject({
        instanceId: instance,
        notice: {source: 'spot', action: 'terminate'},
        completed: true,
      })
      expect(result?.drain?.evicted).toEqual([`default/web-${name}`])
      expect(asg.calls.filter((c) => c.instanceId === instance).at(-1)).toMatchObject({
        action: 'CompleteLifecycleAction',
        group,
        hook,
        result: 'CONTINUE',
        accepted: true,
      })
      // Every call to Auto Scaling came after the node was cordoned and its workload gone.
      expect(seen.every((s) => s.cordoned && !s.web)).toBe(true)
      expect(await present(`proxy-${name}`, 'kube-system')).toBe(true)
      expect(w.lines.indexOf(`node ${name} drained (1 pod(s) evicted)`)).toBeLessThan(
        w.lines.indexOf('lifecycle action completed: the group may terminate the instance'),
      )
    } finally {
      await imds.close()
    }
  })

  it('target lifecycle state Terminated: cordon and drain, then complete at once; the group goes on', async () => {
    const name = 'ip-10-0-1-12.eu-south-1.compute.internal'
    const instance = instances[1]!
    const kubeconfig = await node(name, instance)
    const imds = await startImds({[INSTANCE_ID]: instance, [TARGET_LIFECYCLE_STATE]: 'InService'})
    const {actions, seen} = observed(name)
    const w = watch(imds, kubeconfig, actions)
    try {
      await until('the watcher to poll', () =>
        imds.requests.some((r) => r.path.endsWith(TARGET_LIFECYCLE_STATE) && r.status === 200),
      )
      expect(await asg.beginTermination(group, instance)).toBe(true)
      imds.set(TARGET_LIFECYCLE_STATE, 'Terminated')
      const result = await w.done
      expect(result).toMatchObject({instanceId: instance, notice: {source: 'autoscaling'}, completed: true})
      expect(await cordoned(name)).toBe(true)
      expect(await present(`web-${name}`)).toBe(false)
      expect(seen).toEqual([{call: 'complete', cordoned: true, web: false}])
      expect(asg.calls.filter((c) => c.instanceId === instance)).toEqual([
        {
          action: 'CompleteLifecycleAction',
          group,
          hook,
          instanceId: instance,
          result: 'CONTINUE',
          accepted: true,
        },
      ])
      // The group went on: the instance left it.
      const members = await (await new AwsClients({region, endpoint: moto()}).autoScaling()).send(
        new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [group]}),
      )
      expect(members.AutoScalingGroups?.[0]?.Instances?.some((i) => i.InstanceId === instance)).toBe(false)
    } finally {
      await imds.close()
    }
  })

  it('neither notice: polls and does nothing', async () => {
    const name = 'ip-10-0-1-13.eu-south-1.compute.internal'
    const kubeconfig = await node(name, 'i-0quiet')
    const imds = await startImds({[INSTANCE_ID]: 'i-0quiet', [TARGET_LIFECYCLE_STATE]: 'InService'})
    const stop = new AbortController()
    const {actions, seen} = observed(name)
    const w = watch(imds, kubeconfig, actions, {signal: stop.signal})
    try {
      await until(
        'ten looks at the notices',
        () => imds.requests.filter((r) => r.path.endsWith(SPOT_NOTICE)).length >= 10,
      )
      stop.abort()
      expect(await w.done).toBeUndefined()
      expect(seen).toEqual([])
      expect(asg.calls.some((c) => c.instanceId === 'i-0quiet')).toBe(false)
      expect(await cordoned(name)).toBe(false)
      expect(await present(`web-${name}`)).toBe(true)
    } finally {
      await imds.close()
    }
  })

  it('an IMDS outage (resets, errors, expired tokens) is retried, not fatal', async () => {
    const name = 'ip-10-0-1-14.eu-south-1.compute.internal'
    const instance = 'i-0outage'
    const kubeconfig = await node(name, instance)
    const imds = await startImds({[INSTANCE_ID]: instance})
    imds.outage('reset')
    const {calls: answered, actions} = recorder()
    const w = watch(imds, kubeconfig, actions)
    try {
      await until('resets', () => imds.requests.filter((r) => r.status === 0).length >= 3)
      imds.outage('error')
      await until('errors', () => imds.requests.filter((r) => r.status === 500).length >= 3)
      imds.outage(false)
      await until('the watcher to poll', () => imds.requests.some((r) => r.path.endsWith(SPOT_NOTICE)))
      imds.expireTokens()
      await until('a refused token', () => imds.requests.some((r) => r.status === 401))
      imds.set(TARGET_LIFECYCLE_STATE, 'Terminated')
      const result = await w.done
      expect(result).toMatchObject({instanceId: instance, notice: {source: 'autoscaling'}, completed: true})
      expect(answered).toEqual(['complete'])
      // One line when it stopped answering, one when it came back: not one per failed poll.
      expect(w.lines.filter((l) => l.startsWith('IMDS did not answer')).length).toBeLessThanOrEqual(2)
      expect(w.lines.some((l) => l.startsWith('IMDS answers again'))).toBe(true)
      // After the 401 it fetched a new token and went on.
      const after401 = imds.requests.slice(imds.requests.findIndex((r) => r.status === 401))
      expect(after401.some((r) => r.method === 'PUT' && r.status === 200)).toBe(true)
    } finally {
      await imds.close()
    }
  })

  it('records heartbeats while a drain waits on a PodDisruptionBudget, then completes', async () => {
    const name = 'ip-10-0-1-15.eu-south-1.compute.internal'
    const instance = 'i-0budget'
    const kubeconfig = await node(name, instance)
    await admin.create(PDBS, {
      metadata: {name: 'db-pdb', namespace: 'default'},
      spec: {minAvailable: 1, selector: {matchLabels: {app: 'db'}}},
    })
    await addPod(admin, {name: 'db-0', node: name, labels: {app: 'db'}})
    const imds = await startImds({[INSTANCE_ID]: instance, [TARGET_LIFECYCLE_STATE]: 'Terminated'})
    const {calls, actions} = recorder()
    const w = watch(imds, kubeconfig, actions, {heartbeatIntervalMs: 10, drainTimeoutMs: 600_000})
    try {
      await until('two heartbeats while blocked', () => calls.filter((c) => c === 'heartbeat').length >= 2)
      expect(calls).not.toContain('complete')
      expect(await present('db-0')).toBe(true)
      // The budget is lifted: the drain finishes and the action is completed.
      await admin.delete(PDBS, 'db-pdb', 'default')
      const result = await w.done
      expect(result?.completed).toBe(true)
      expect(result?.drain?.evicted.sort()).toEqual(['default/db-0', `default/web-${name}`])
      expect(calls.at(-1)).toBe('complete')
      expect(w.lines).toContain('lifecycle action heartbeat recorded')
    } finally {
      await imds.close()
    }
  })
})

describe('kforge termination watch (the node agent bundle)', {timeout: 180_000}, () => {
  it('runs from the bundle as its unit runs it, finds its group and hook, drains, completes, exits 0', async () => {
    const dir = tempDir('kforge-watch-')
    const agent = join(dir, 'kforge.mjs')
    writeFileSync(agent, (await buildNodeAgent()).code)
    const name = 'ip-10-0-1-16.eu-south-1.compute.internal'
    const members = await (await new AwsClients({region, endpoint: moto()}).autoScaling()).send(
      new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [group]}),
    )
    const instance = members.AutoScalingGroups![0]!.Instances!.find(
      (i) => !instances.includes(i.InstanceId!),
    )!.InstanceId!
    const kubeconfig = await node(name, instance)
    await admin.patch(Nodes, name, undefined, {metadata: {labels: {[INSTANCE_GROUP_LABEL]: 'nodes'}}})
    const manifest = join(dir, 'assets.json')
    writeFileSync(manifest, JSON.stringify({cluster: cluster.name, region, assets: []}))
    const imds = await startImds({[INSTANCE_ID]: instance})
    try {
      expect(await asg.beginTermination(group, instance)).toBe(true)
      imds.set(TARGET_LIFECYCLE_STATE, 'Terminated')
      const run = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) =>
        execFile(
          process.execPath,
          [
            agent,
            'termination',
            'watch',
            // No group, hook or region: the manifest names the cluster and region, the Node's label its group.
            '--manifest',
            manifest,
            '--endpoint',
            asg.endpoint,
            '--imds',
            imds.url,
            '--kubeconfig',
            kubeconfig,
            '--poll-interval',
            '20ms',
          ],
          {cwd: dir, env: {...process.env}},
          (err, stdout, stderr) =>
            resolve({code: err ? ((err as {code?: number}).code ?? 1) : 0, stdout, stderr}),
        ),
      )
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toBe(`completed for ${instance}\n`)
      expect(run.stderr).toContain(`node ${name} drained (1 pod(s) evicted)`)
      expect(run.stderr).toContain(`lifecycle hook ${hook} of group ${group}`)
      expect(await cordoned(name)).toBe(true)
      expect(asg.calls.filter((c) => c.instanceId === instance)).toMatchObject([
        {action: 'CompleteLifecycleAction', group, hook, result: 'CONTINUE', accepted: true},
      ])
    } finally {
      await imds.close()
    }
  })
})
