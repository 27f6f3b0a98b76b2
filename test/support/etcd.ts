/**
 * A real etcd cluster on loopback for tests: the etcd binary built by `npm run kube-assets` (the
 * release the Kubernetes assets pin, not a distribution's older etcd), each member with its own
 * data dir and ports, no TLS. A missing or stale build fails the test with the command that builds it.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {EtcdClient} from '../../src/kube/etcd-client.js'
import {findKubeAssets} from '../../src/sandbox/kube-assets/build.js'
import {MODULE_ROOT} from '../../src/sandbox/kube-assets/paths.js'
import {freePort} from './moto.js'

/**
 * `<assets>/bin/<name>` of the assets `npm run kube-assets` built for this clone's pins: an etcd
 * of another release (a stale build, a distribution's) is never picked up.
 */
export function kubeAssetsBinary(name: 'etcd' | 'etcdutl'): string {
  const assets = findKubeAssets(MODULE_ROOT)
  if (!assets) {
    throw new Error(
      `no ${name}: the Kubernetes assets are missing or out of date: run \`npm run kube-assets\``,
    )
  }
  return join(assets.bin, name)
}

export function etcdBinary(): string {
  return kubeAssetsBinary('etcd')
}

export interface Member {
  name: string
  dataDir: string
  clientUrl: string
  peerUrl: string
  process?: ChildProcess
}

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** The TLS material of kforge's EtcdClient for these members, which serve plain HTTP. */
export const NO_TLS = {ca: Buffer.alloc(0), cert: Buffer.alloc(0), key: Buffer.alloc(0)}

export class EtcdCluster {
  readonly members: Member[] = []
  constructor(
    private readonly root: string,
    private readonly token = 'kforge-test',
  ) {}

  async define(name: string): Promise<Member> {
    const [client, peer] = [await freePort(), await freePort()]
    const m: Member = {
      name,
      dataDir: join(this.root, name),
      clientUrl: `http://127.0.0.1:${client}`,
      peerUrl: `http://127.0.0.1:${peer}`,
    }
    this.members.push(m)
    return m
  }

  /**
   * A new cluster of `names` started, every member healthy: the members, in order. What each
   * multi-member etcd test starts from (`extra`: more etcd flags for every member, as for
   * {@link start}).
   */
  async startNew(names: string[], extra: string[] = []): Promise<Member[]> {
    const members: Member[] = []
    for (const name of names) members.push(await this.define(name))
    for (const m of members) this.start(m, members, 'new', extra)
    await Promise.all(members.map((m) => this.healthy(m)))
    return members
  }

  /**
   * `me` started as the etcd static pod starts it after etcd-join, and healthy: the initial cluster
   * is the member list etcd answered the join with, state existing. `me` is the member on its own
   * peer URL (the one just added or moved) or the one whose id is `resumed`, under `me`'s name.
   */
  async startExisting(
    me: Member,
    members: {ID?: string; name?: string; peerURLs?: string[]}[],
    resumed?: string,
  ): Promise<void> {
    const initial = members.map((y) => ({
      name:
        (resumed !== undefined && y.ID === resumed) || y.peerURLs?.includes(me.peerUrl)
          ? me.name
          : (y.name ?? ''),
      peerUrl: y.peerURLs?.[0] ?? '',
      dataDir: '',
      clientUrl: '',
    }))
    this.start(me, initial, 'existing')
    await this.healthy(me, 60_000)
  }

  /** kforge's own etcd client (src/kube/etcd-client.ts) over the members running now. */
  client(): EtcdClient {
    return new EtcdClient(
      this.members.filter((x) => x.process).map((x) => x.clientUrl),
      NO_TLS,
      3000,
    )
  }

  /** The member list as `name=peerURL`, sorted, through {@link client} (waiting out an election). */
  async listed(): Promise<string[]> {
    return (await EtcdCluster.eventually(() => this.client().memberList()))
      .map((x) => `${x.name}=${x.peerURLs?.[0]}`)
      .sort()
  }

  /** `extra`: more etcd flags (a low `--snapshot-count`, to make etcd snapshot and cut its WAL). */
  start(m: Member, initialCluster: Member[], state: 'new' | 'existing', extra: string[] = []): void {
    m.process = spawn(
      etcdBinary(),
      [
        `--name=${m.name}`,
        `--data-dir=${m.dataDir}`,
        `--listen-client-urls=${m.clientUrl}`,
        `--advertise-client-urls=${m.clientUrl}`,
        `--listen-peer-urls=${m.peerUrl}`,
        `--initial-advertise-peer-urls=${m.peerUrl}`,
        `--initial-cluster=${initialCluster.map((x) => `${x.name}=${x.peerUrl}`).join(',')}`,
        `--initial-cluster-state=${state}`,
        `--initial-cluster-token=${this.token}`,
        '--log-level=error',
        ...extra,
      ],
      {stdio: 'ignore'},
    )
  }

  async stop(m: Member, wipe = false): Promise<void> {
    const p = m.process
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r))
      p.kill('SIGKILL')
      await exited
    }
    m.process = undefined
    if (wipe) rmSync(m.dataDir, {recursive: true, force: true})
  }

  async stopAll(): Promise<void> {
    for (const m of this.members) await this.stop(m)
  }

  async healthy(m: Member, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        const res = await fetch(`${m.clientUrl}/health`, {signal: AbortSignal.timeout(2000)})
        if (res.ok && ((await res.json()) as {health?: string}).health === 'true') return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`etcd member ${m.name} not healthy after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  static async call(
    m: Member,
    path: string,
    body: unknown,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const res = await fetch(`${m.clientUrl}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const json = (await res.json()) as Record<string, unknown>
    if (!res.ok) throw new Error(`${path} on ${m.name}: HTTP ${res.status}: ${JSON.stringify(json)}`)
    return json
  }

  /**
   * `fn` again while etcd is between leaders or busy reconfiguring: it answers 503 ("unhealthy
   * cluster" from the strict reconfiguration check, which counts a member active only after it has
   * been connected a few seconds; "request timed out" during an election) or not at all. On a
   * loaded machine an election can take many seconds.
   */
  static async eventually<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        return await fn()
      } catch (err) {
        const transient = /HTTP 503|TimeoutError|aborted due to timeout|fetch failed/.test(
          `${String(err)} ${(err as Error).name}`,
        )
        if (!transient || Date.now() > deadline) throw err
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }

  static reconfigure(m: Member, path: string, body: unknown): Promise<Record<string, unknown>> {
    return EtcdCluster.eventually(() => EtcdCluster.call(m, path, body))
  }

  static put(m: Member, key: string, value: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return EtcdCluster.call(m, '/v3/kv/put', {key: b64(key), value: b64(value)}, timeoutMs)
  }

  /** A put retried while the members elect a leader (after one was stopped). */
  static async putAfterElection(m: Member, key: string, value: string): Promise<void> {
    await EtcdCluster.eventually(() => EtcdCluster.put(m, key, value))
  }

  /** Linearizable read of one key (waiting out an election); undefined when absent. */
  static async get(m: Member, key: string): Promise<string | undefined> {
    const out = (await EtcdCluster.eventually(() =>
      EtcdCluster.call(m, '/v3/kv/range', {key: b64(key)}),
    )) as {
      kvs?: Array<{value?: string}>
    }
    const v = out.kvs?.[0]?.value
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString()
  }

  /** The id of the cluster `m` belongs to (etcd derives it from the members and the cluster token). */
  static async clusterId(m: Member): Promise<string> {
    const out = (await EtcdCluster.eventually(() => EtcdCluster.call(m, '/v3/cluster/member/list', {}))) as {
      header?: {cluster_id?: string}
    }
    return out.header?.cluster_id ?? ''
  }

  /** Every key under `prefix` (a linearizable range read). */
  static async keys(m: Member, prefix: string): Promise<string[]> {
    const end = Buffer.from(prefix)
    end[end.length - 1]! += 1
    const out = (await EtcdCluster.eventually(() =>
      EtcdCluster.call(m, '/v3/kv/range', {
        key: b64(prefix),
        range_end: end.toString('base64'),
        keys_only: true,
      }),
    )) as {kvs?: Array<{key: string}>}
    return (out.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString()).sort()
  }

  static async deletePrefix(m: Member, prefix: string): Promise<void> {
    const end = Buffer.from(prefix)
    end[end.length - 1]! += 1
    await EtcdCluster.call(m, '/v3/kv/deleterange', {key: b64(prefix), range_end: end.toString('base64')})
  }

  static async memberIds(m: Member): Promise<Map<string, string>> {
    const out = (await EtcdCluster.eventually(() => EtcdCluster.call(m, '/v3/cluster/member/list', {}))) as {
      members?: Array<{ID: string; name?: string; peerURLs?: string[]}>
    }
    return new Map((out.members ?? []).map((x) => [x.peerURLs?.[0] ?? '', x.ID]))
  }
}
