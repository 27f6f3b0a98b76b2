/**
 * A simulated kubelet on one node (a root dir and a loopback IP). Each sync it reads the static
 * pod manifests under `<root>/etc/kubernetes/manifests`, and — when the API server named in
 * `<root>/etc/kubernetes/kubelet.conf` is reachable — registers its Node, fetches the pods bound
 * to it, publishes mirror pods for its static pods and reports pod status. It runs the union of
 * both; with the API unreachable it keeps running the API pods it already had, but after a
 * reboot it has none until the API is back: exactly the gap self-hosting has to close.
 */
import {createHash} from 'node:crypto'
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {parse} from 'yaml'
import type {Node, Pod} from '../../../src/kube/types.js'
import {admitPod} from './admission.js'
import type {SimCluster} from './cluster.js'
import {ContainerError, type NodeInfo, type RunningComponent, startContainer} from './components.js'
import {resourceByKind} from './registry.js'
import type {Obj} from './store.js'

export interface PodState {
  key: string
  source: 'file' | 'api'
  pod: Pod
  hash: string
  ready: boolean
  message?: string
  components: RunningComponent[]
  starting?: Promise<void>
  restarts: number
}

export interface SimNodeOptions {
  rootDir: string
  nodeName: string
  /** Default: 127.0.0.1 */
  nodeIP?: string
  /** Default: 50 ms */
  intervalMs?: number
  labels?: Record<string, string>
}

export class SimNode {
  readonly info: NodeInfo
  readonly pods = new Map<string, PodState>()
  private timer: NodeJS.Timeout | undefined
  private syncing: Promise<void> | undefined
  private readonly intervalMs: number
  /** Last sync's problems (unreadable manifests), for test diagnostics. */
  readonly events: string[] = []

  constructor(
    readonly cluster: SimCluster,
    private readonly options: SimNodeOptions,
  ) {
    this.info = {rootDir: options.rootDir, nodeName: options.nodeName, nodeIP: options.nodeIP ?? '127.0.0.1'}
    this.intervalMs = options.intervalMs ?? 50
  }

  get running(): boolean {
    return this.timer !== undefined
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => void this.sync(), this.intervalMs)
    this.timer.unref()
    void this.sync()
  }

  /** Power off: every container dies; nothing is written to the API (it may be gone too). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.syncing
    await Promise.all([...this.pods.values()].map((p) => this.kill(p)))
    this.pods.clear()
  }

  async reboot(): Promise<void> {
    await this.stop()
    this.start()
  }

  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = undefined
    })
    return this.syncing
  }

  /** The API server URL from kubelet.conf, when that server is up. */
  private async apiServer(): Promise<string | undefined> {
    try {
      const conf = parse(await readFile(join(this.info.rootDir, 'etc/kubernetes/kubelet.conf'), 'utf8')) as {
        clusters?: {cluster?: {server?: string}}[]
      }
      const server = conf.clusters?.[0]?.cluster?.server
      return server && this.cluster.reachable(server) ? server : undefined
    } catch {
      return undefined
    }
  }

  /** Static pods refused at admission, by key, with the manifest hash refused (a new one is tried again). */
  private readonly rejected = new Map<string, string>()

  /**
   * The Node labels this kubelet admits static pods against: the API's Node while the API answers,
   * else the labels it registers itself with — so after a reboot, with the API down, not the
   * control-plane label the API's mark-control-plane phase added (as the real kubelet, which
   * refused a checkpoint with that node selector: "Predicate NodeAffinity failed").
   */
  private knownLabels(apiUp: boolean): Record<string, string> {
    const node = apiUp
      ? this.cluster.store.get(resourceByKind('Node'), undefined, this.info.nodeName)
      : undefined
    return (
      node?.metadata.labels ?? {
        'kubernetes.io/hostname': this.info.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(this.options.labels ?? {}),
      }
    )
  }

  private admitted(state: PodState, apiUp: boolean): boolean {
    if (this.rejected.get(state.key) === state.hash) return false
    if (this.pods.get(state.key)?.hash === state.hash) return true
    const labels = this.knownLabels(apiUp)
    const selector = state.pod.spec.nodeSelector ?? {}
    if (Object.entries(selector).every(([k, v]) => labels[k] === v)) return true
    this.rejected.set(state.key, state.hash)
    if (this.events.length < 100)
      this.events.push(`${state.key}: Pod admission denied: Predicate NodeAffinity failed`)
    return false
  }

  private async staticPods(): Promise<PodState[]> {
    const dir = join(this.info.rootDir, 'etc/kubernetes/manifests')
    let files: string[]
    try {
      // every file but dotfiles, whatever its name ends with, as the real kubelet's file source
      files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort()
    } catch {
      return []
    }
    const out: PodState[] = []
    for (const f of files) {
      try {
        const text = await readFile(join(dir, f), 'utf8')
        const pod = parse(text) as Pod
        if (!pod?.metadata?.name || !pod.spec?.containers) throw new Error('not a Pod')
        pod.metadata.namespace ??= 'default'
        const hash = createHash('sha256').update(text).digest('hex').slice(0, 16)
        out.push({
          key: `file:${pod.metadata.name}`,
          source: 'file',
          pod,
          hash,
          ready: false,
          components: [],
          restarts: 0,
        })
      } catch (err) {
        if (this.events.length < 100) this.events.push(`${f}: ${(err as Error).message}`)
      }
    }
    return out
  }

  private async syncOnce(): Promise<void> {
    const desired = new Map<string, PodState>()
    const server = await this.apiServer()
    for (const p of await this.staticPods()) if (this.admitted(p, server !== undefined)) desired.set(p.key, p)
    if (server) {
      this.registerNode()
      for (const pod of this.cluster.store.list(resourceByKind('Pod')) as (Obj & Pod)[]) {
        if (
          pod.spec.nodeName !== this.info.nodeName ||
          pod.metadata.annotations?.['kubernetes.io/config.mirror']
        )
          continue
        const hash = createHash('sha256').update(JSON.stringify(pod.spec)).digest('hex').slice(0, 16)
        const key = `api:${pod.metadata.uid}`
        desired.set(key, {key, source: 'api', pod, hash, ready: false, components: [], restarts: 0})
      }
    } else {
      for (const p of this.pods.values()) if (p.source === 'api') desired.set(p.key, p)
    }
    for (const [key, p] of this.pods) {
      const want = desired.get(key)
      if (!want || want.hash !== p.hash) {
        await this.kill(p)
        this.pods.delete(key)
      }
    }
    for (const [key, want] of desired) {
      const have = this.pods.get(key)
      if (!have) {
        this.pods.set(key, want)
        await this.run(want)
      } else if (!have.ready && !have.starting) {
        have.restarts++
        await this.run(have) // CrashLoopBackOff without the back-off
      } else if (want.source === 'api') {
        have.pod = want.pod
      }
    }
    if (server && this.cluster.reachable(server)) this.publish()
  }

  private async run(p: PodState): Promise<void> {
    p.starting = (async () => {
      const started: RunningComponent[] = []
      try {
        for (const c of p.pod.spec.containers) {
          started.push(
            await startContainer(
              this.cluster,
              p.pod,
              c,
              this.info,
              `${this.info.nodeName}/${p.key}/${c.name}`,
            ),
          )
        }
        p.components = started
        p.ready = true
        p.message = undefined
      } catch (err) {
        await Promise.all(started.map((s) => s.stop()))
        p.ready = false
        p.message = err instanceof ContainerError ? err.message : String(err)
      }
    })()
    await p.starting
    p.starting = undefined
  }

  private async kill(p: PodState): Promise<void> {
    await p.starting
    await Promise.all(p.components.map((c) => c.stop()))
    p.components = []
    p.ready = false
  }

  private registerNode(): void {
    const nodes = resourceByKind('Node')
    const store = this.cluster.store
    if (store.get(nodes, undefined, this.info.nodeName)) return
    const node: Node = {
      metadata: {
        name: this.info.nodeName,
        labels: {
          'kubernetes.io/hostname': this.info.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          ...(this.options.labels ?? {}),
        },
      },
      spec: {},
      status: {
        conditions: [
          {type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status'},
        ],
        addresses: [
          {type: 'InternalIP', address: this.info.nodeIP},
          {type: 'Hostname', address: this.info.nodeName},
        ],
      },
    }
    store.create(nodes, undefined, node as Obj)
  }

  /** Mirror pods for static pods, status for API pods. */
  private publish(): void {
    const store = this.cluster.store
    const podsRes = resourceByKind('Pod')
    const node = store.get(resourceByKind('Node'), undefined, this.info.nodeName)
    const mirrors = (store.list(podsRes) as (Obj & Pod)[]).filter(
      (p) =>
        p.spec.nodeName === this.info.nodeName && p.metadata.annotations?.['kubernetes.io/config.mirror'],
    )
    const wanted = new Set<string>()
    for (const p of this.pods.values()) {
      const status = this.status(p)
      if (p.source === 'file') {
        const name = `${p.pod.metadata.name}-${this.info.nodeName}`
        const ns = p.pod.metadata.namespace ?? 'default'
        wanted.add(`${ns}/${name}`)
        const existing = mirrors.find((m) => m.metadata.name === name && m.metadata.namespace === ns)
        if (existing && existing.metadata.annotations?.['kubernetes.io/config.hash'] !== p.hash) {
          store.delete(podsRes, ns, name)
        } else if (existing) {
          if (JSON.stringify(existing.status) !== JSON.stringify(status))
            store.update(podsRes, ns, name, {...existing, status}, 'status')
          continue
        }
        const mirror = {
          metadata: {
            name,
            namespace: ns,
            labels: p.pod.metadata.labels ?? {},
            annotations: {
              ...(p.pod.metadata.annotations ?? {}),
              'kubernetes.io/config.mirror': p.hash,
              'kubernetes.io/config.hash': p.hash,
              'kubernetes.io/config.source': 'file',
            },
            ownerReferences: node
              ? [
                  {
                    apiVersion: 'v1',
                    kind: 'Node',
                    name: this.info.nodeName,
                    uid: node.metadata.uid!,
                    controller: true,
                  },
                ]
              : [],
          },
          spec: {...p.pod.spec, nodeName: this.info.nodeName},
        } as Obj
        try {
          admitPod(mirror)
        } catch (err) {
          // the real kubelet logs "Failed creating a mirror pod" and runs the static pod anyway
          if (this.events.length < 100) this.events.push(`${name}: ${(err as Error).message}`)
          continue
        }
        const created = store.create(podsRes, ns, mirror)
        store.update(podsRes, ns, name, {...created, status}, 'status')
      } else {
        const live = store.get(podsRes, p.pod.metadata.namespace, p.pod.metadata.name!)
        if (live && JSON.stringify(live.status) !== JSON.stringify(status)) {
          store.update(podsRes, live.metadata.namespace, live.metadata.name!, {...live, status}, 'status')
        }
      }
    }
    for (const m of mirrors) {
      if (!wanted.has(`${m.metadata.namespace}/${m.metadata.name}`))
        store.delete(podsRes, m.metadata.namespace, m.metadata.name!)
    }
  }

  private status(p: PodState): Pod['status'] {
    const ready = p.ready ? 'True' : 'False'
    return {
      phase: 'Running',
      hostIP: this.info.nodeIP,
      podIP: this.info.nodeIP,
      conditions: [
        {type: 'PodScheduled', status: 'True'},
        {type: 'Initialized', status: 'True'},
        {type: 'ContainersReady', status: ready},
        {
          type: 'Ready',
          status: ready,
          ...(p.message ? {reason: 'ContainersNotReady', message: p.message} : {}),
        },
      ],
      containerStatuses: p.pod.spec.containers.map((c) => ({
        name: c.name,
        ready: p.ready,
        restartCount: p.restarts,
        state: p.ready ? {running: {}} : {waiting: {reason: 'CrashLoopBackOff', message: p.message ?? ''}},
      })),
    }
  }

  /** Pods this kubelet runs, by pod name, for assertions. */
  podSummary(): {name: string; source: 'file' | 'api'; ready: boolean; message?: string}[] {
    return [...this.pods.values()].map((p) => ({
      name: p.pod.metadata.name ?? '',
      source: p.source,
      ready: p.ready,
      ...(p.message ? {message: p.message} : {}),
    }))
  }
}
