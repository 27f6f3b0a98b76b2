/**
 * The self-hosted control plane on the real kubelet and containerd (issue 10, 5f): one control-plane
 * node made by `kforge init` with spec.selfHosted, its pivot run as the init phase `self-hosting`
 * (`kforge init phase self-hosting`, after an object was written through the static control plane),
 * then a reboot of the node that the rendered kforge-pivot-recover unit must bring back by itself,
 * a patch upgrade of the DaemonSets, and `kforge pivot rollback` to static pods. The cases run in
 * order on the one cluster and print what they measure.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KubeClient} from '../../src/kube/client.js'
import {resolveKubeconfig} from '../../src/kube/kubeconfig.js'
import {setDaemonSetVersion, waitForRollout} from '../../src/lifecycle/in-cluster.js'
import {
  adoptFirstControlPlane,
  bootLocalCluster,
  downLocalCluster,
  initFirstControlPlane,
  kforge,
  kubectl,
  type LocalCluster,
  nodeExec,
  rebootNode,
  waitNodesReady,
} from '../../src/sandbox/nodes/cluster.js'
import {type LocalNode, supervisorPid} from '../../src/sandbox/nodes/node.js'
import {eventually, kubeJson, requireAssets} from './support.js'

const base = '/var/lib/kforge-local-test-sh'
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const
let lc: LocalCluster
let cp1: LocalNode
/** A client straight to cp1's API server (the load balancer's stand-in only forwards to it). */
let direct: KubeClient

interface Pod {
  metadata: {name: string; labels?: Record<string, string>; deletionTimestamp?: string}
  spec: {nodeName?: string; containers: {image: string}[]}
  status: {phase: string; conditions?: {type: string; status: string}[]}
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const report = (line: string) => process.stderr.write(`[self-hosted] ${line}\n`)
const ready = (p: Pod) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false

function manifests(): string[] {
  return readdirSync(join(cp1.root, 'etc/kubernetes/manifests')).sort()
}

async function kubeSystemPods(): Promise<Pod[]> {
  return (await kubeJson<{items: Pod[]}>(lc, ['get', 'pods', '-n', 'kube-system'])).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  )
}

/** Every component runs as its DaemonSet's pod on cp1, Ready, with no static (mirror) pod beside it. */
async function selfHosted(): Promise<Pod[] | undefined> {
  const pods = await kubeSystemPods()
  const hosted = COMPONENTS.map((c) =>
    pods.find((p) => p.metadata.labels?.['k8s-app'] === `self-hosted-${c}` && p.spec.nodeName === 'cp1'),
  )
  const mirrors = pods.filter((p) => COMPONENTS.some((c) => p.metadata.name === `${c}-cp1`))
  return hosted.every((p) => p && ready(p)) && mirrors.length === 0 ? (hosted as Pod[]) : undefined
}

/** Polls /healthz every 200 ms until stopped; gives the longest stretch it did not answer ok. */
function watchApi(): {stop: () => Promise<{longestGapMs: number; failures: number}>} {
  let running = true
  let longestGapMs = 0
  let failures = 0
  const loop = (async () => {
    let downSince: number | undefined
    while (running) {
      const ok = await direct
        .health('/healthz', 1000)
        .then((h) => h.ok)
        .catch(() => false)
      const now = Date.now()
      if (ok && downSince !== undefined) {
        longestGapMs = Math.max(longestGapMs, now - downSince)
        downSince = undefined
      } else if (!ok) {
        failures++
        downSince ??= now
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    if (downSince !== undefined) longestGapMs = Math.max(longestGapMs, Date.now() - downSince)
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return {longestGapMs, failures}
    },
  }
}

beforeAll(async () => {
  const started = Date.now()
  lc = await bootLocalCluster({
    base,
    assets: requireAssets(),
    controlPlanes: 1,
    workers: 0,
    selfHosted: true,
    log: () => {},
  })
  cp1 = lc.nodes[0]!
  // the pivot is run below as its own phase, so that something is written through the static plane first
  await initFirstControlPlane(lc, cp1, ['--skip-phases', 'self-hosting'])
  adoptFirstControlPlane(lc)
  await waitNodesReady(lc)
  const creds = await resolveKubeconfig(readFileSync(join(cp1.root, 'etc/kubernetes/admin.conf'), 'utf8'))
  direct = new KubeClient({...creds, server: `https://${cp1.address}:6443`})
  report(`control plane up on static pods in ${seconds(Date.now() - started)}`)
})

afterAll(async () => {
  direct?.close()
  await downLocalCluster(base)
})

describe('the pivot (kforge init phase self-hosting)', () => {
  it('moves the control plane into DaemonSets the real kubelet runs, keeping what etcd holds', async () => {
    await kubectl(lc, ['create', 'configmap', 'written-before-pivot', '--from-literal=k=v'])
    const watch = watchApi()
    const started = Date.now()
    await kforge(cp1, ['init', 'phase', 'self-hosting', '--config', '/etc/kforge/kubeadm.yaml'])
    const pivotMs = Date.now() - started
    const api = await watch.stop()
    report(
      `pivot: ${seconds(pivotMs)}; the API did not answer for ${seconds(api.longestGapMs)} at most (${api.failures} failed probes)`,
    )

    expect(manifests()).toEqual(['etcd.yaml'])
    const hosted = await eventually('the self-hosted pods Ready', 60_000, selfHosted)
    expect(hosted.map((p) => p.metadata.labels?.['k8s-app'])).toEqual(
      COMPONENTS.map((c) => `self-hosted-${c}`),
    )
    expect((await kubectl(lc, ['get', '--raw', '/readyz'])).trim()).toBe('ok')
    const cm = await kubeJson<{data: Record<string, string>}>(lc, [
      'get',
      'configmap',
      'written-before-pivot',
    ])
    expect(cm.data.k).toBe('v')
    for (const c of COMPONENTS)
      expect(existsSync(join(cp1.root, 'etc/kubernetes/self-hosting/checkpoints', `${c}.yaml`))).toBe(true)
  })
})

describe('a reboot of the control-plane node', () => {
  it('brings the self-hosted control plane back by itself through kforge-pivot-recover', async () => {
    await kubectl(lc, ['create', 'configmap', 'written-before-reboot', '--from-literal=k=v'])
    const started = Date.now()
    await rebootNode(lc, cp1)
    const bootedMs = Date.now() - started
    await eventually('/readyz after the reboot', 600_000, async () =>
      (await direct.health('/readyz', 2000)).ok ? true : undefined,
    )
    const apiMs = Date.now() - started
    await eventually('the self-hosted pods Ready again', 600_000, selfHosted)
    const hostedMs = Date.now() - started
    const log = join(cp1.root, 'var/log/kforge-node')
    await eventually('kforge-pivot-recover to finish', 600_000, async () =>
      /kforge-pivot-recover: exited/.test(
        readFileSync(join(cp1.root, 'supervisor.log'), 'utf8').split('node cp1: up').pop()!,
      )
        ? true
        : undefined,
    )
    const doneMs = Date.now() - started
    const recoverLog = readFileSync(join(log, 'kforge-pivot-recover.log'), 'utf8')
    report(
      `reboot: node up again after ${seconds(bootedMs)}; /readyz after ${seconds(apiMs)}; DaemonSet pods Ready, no static pods, after ${seconds(hostedMs)}; kforge-pivot-recover done after ${seconds(doneMs)}`,
    )
    expect(supervisorPid(cp1)).toBeDefined()
    const bootLog = readFileSync(join(cp1.root, 'supervisor.log'), 'utf8').split('node cp1: up').pop()!
    expect(bootLog).toMatch(/kforge-pivot-recover: exited \(0\)/)
    expect(recoverLog).toMatch(
      /installed checkpoints as static pods: kube-apiserver, kube-controller-manager, kube-scheduler/,
    )
    expect(manifests()).toEqual(['etcd.yaml'])
    for (const name of ['written-before-pivot', 'written-before-reboot']) {
      const cm = await kubeJson<{data: Record<string, string>}>(lc, ['get', 'configmap', name])
      expect(cm.data.k).toBe('v')
    }
  })
})

describe('a patch upgrade of the self-hosted control plane', () => {
  it('rolls the DaemonSets to the next patch tag and keeps serving', async () => {
    const [major, minor, patch] = lc.assets.versions.kubernetes.replace(/^v/, '').split('.').map(Number)
    const from = lc.assets.versions.kubernetes
    const to = `v${major}.${minor}.${patch! + 1}`
    // the same binaries tagged as the next patch release: no second release is built here
    for (const c of COMPONENTS) {
      await nodeExec(cp1, [
        'ctr',
        '--address',
        '/run/containerd/containerd.sock',
        '-n',
        'k8s.io',
        'images',
        'tag',
        `registry.k8s.io/${c}:${from}`,
        `registry.k8s.io/${c}:${to}`,
      ])
    }
    const watch = watchApi()
    const started = Date.now()
    for (const c of COMPONENTS) {
      expect(await setDaemonSetVersion(direct, `self-hosted-${c}`, to)).toBe(true)
      await waitForRollout(direct, `self-hosted-${c}`, {timeoutMs: 600_000, intervalMs: 1000})
    }
    const upgradeMs = Date.now() - started
    const api = await watch.stop()
    report(
      `patch upgrade ${from} -> ${to}: ${seconds(upgradeMs)}; the API did not answer for ${seconds(api.longestGapMs)} at most`,
    )
    const hosted = await eventually('the upgraded pods Ready', 120_000, selfHosted)
    expect(hosted.map((p) => p.spec.containers[0]!.image)).toEqual(
      COMPONENTS.map((c) => `registry.k8s.io/${c}:${to}`),
    )
    const cm = await kubeJson<{data: Record<string, string>}>(lc, [
      'get',
      'configmap',
      'written-before-pivot',
    ])
    expect(cm.data.k).toBe('v')
  })
})

describe('kforge pivot rollback', () => {
  it('returns the control plane to static pods the kubelet runs from /etc/kubernetes/manifests', async () => {
    const watch = watchApi()
    const started = Date.now()
    await kforge(cp1, ['pivot', 'rollback', '--node-name', 'cp1'])
    const rollbackMs = Date.now() - started
    const api = await watch.stop()
    report(
      `rollback: ${seconds(rollbackMs)}; the API did not answer for ${seconds(api.longestGapMs)} at most`,
    )

    expect(manifests()).toEqual(['etcd.yaml', ...COMPONENTS.map((c) => `${c}.yaml`)].sort())
    const ds = await kubeJson<{items: {metadata: {name: string}}[]}>(lc, [
      'get',
      'daemonsets',
      '-n',
      'kube-system',
    ])
    expect(ds.items.map((d) => d.metadata.name).filter((n) => n.startsWith('self-hosted-'))).toEqual([])
    const pods = await eventually('the static pods Ready', 120_000, async () => {
      const all = await kubeSystemPods()
      const mirrors = COMPONENTS.map((c) => all.find((p) => p.metadata.name === `${c}-cp1`))
      const hosted = all.filter((p) => p.metadata.labels?.['k8s-app']?.startsWith('self-hosted-'))
      return mirrors.every((p) => p && ready(p)) && hosted.length === 0 ? (mirrors as Pod[]) : undefined
    })
    expect(pods).toHaveLength(3)
    expect(readdirSync(join(cp1.root, 'etc/kubernetes/self-hosting/checkpoints'))).toEqual([])
    expect((await kubectl(lc, ['get', '--raw', '/readyz'])).trim()).toBe('ok')
    const cm = await kubeJson<{data: Record<string, string>}>(lc, [
      'get',
      'configmap',
      'written-before-reboot',
    ])
    expect(cm.data.k).toBe('v')
  })
})
