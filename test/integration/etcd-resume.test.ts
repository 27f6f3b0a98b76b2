/**
 * A replacement control-plane instance finding etcd data on its member's volume (issue 12), on a
 * real etcd on loopback (the Kubernetes assets' release): the data's identity read from its WAL
 * decides. A member still in the cluster resumes under its new peer address with the data and the
 * keys written before, named after its volume's member rather than the old host; the data of a
 * member that was removed, or of another cluster, is set aside and the instance joins fresh.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {EtcdClient} from '../../src/kube/etcd-client.js'
import {setAsideEtcdData} from '../../src/lifecycle/etcd-volume.js'
import {isLoneMember, readEtcdDataIdentity} from '../../src/lifecycle/etcd-wal.js'
import {moveOwnPeerURL} from '../../src/phases/init/etcd-resume.js'
import {joinMembership, type Me} from '../../src/phases/join/api/etcd-members.js'
import {Logger} from '../../src/util/logger.js'
import {runKforge, tempDir} from '../support/cli.js'
import {EtcdCluster, type Member, NO_TLS} from '../support/etcd.js'

const KEY = '/registry/configmaps/default/before'

describe('a replacement control-plane instance with etcd data on its volume (real etcd)', () => {
  const etcd = new EtcdCluster(tempDir('kforge-etcd-resume-'))
  const lines: string[] = []
  const log = new Logger('info', (l) => lines.push(l))
  let m: Member[]

  const client = () => etcd.client()
  const listed = () => etcd.listed()
  /** The replacement of `old`: a new address, `old`'s data dir (its volume), named `name`. */
  const replacement = async (old: Member, name: string) => {
    const next = await etcd.define(name)
    next.dataDir = old.dataDir
    return next
  }
  const me = async (x: Member): Promise<Me & {asideReasons: string[]}> => {
    const asideReasons: string[] = []
    return {
      name: x.name,
      peerURL: x.peerUrl,
      data: await readEtcdDataIdentity(x.dataDir),
      asideReasons,
      setAside: async (reason) => {
        asideReasons.push(reason)
        await setAsideEtcdData('/', x.dataDir, log)
      },
    }
  }
  beforeAll(async () => {
    // Members named after their hosts, as kubeadm names them (and kforge did before its volumes).
    m = await etcd.startNew(['ip-10-0-1-5', 'ip-10-0-2-5', 'ip-10-0-3-5'])
    await EtcdCluster.putAfterElection(m[0]!, KEY, 'kept')
  }, 60_000)

  afterAll(() => etcd.stopAll())

  it('resumes a member still in the cluster on its new address, with its data, under its volume member name', async () => {
    const old = m[2]!
    await EtcdCluster.putAfterElection(old, '/registry/configmaps/default/on-c', 'written')
    const id = (await EtcdCluster.memberIds(m[0]!)).get(old.peerUrl)
    await etcd.stop(old) // the instance is terminated; its volume (the data dir) stays
    // Written while it is gone: the resumed member catches up from the others.
    await EtcdCluster.putAfterElection(m[0]!, '/registry/configmaps/default/while-gone', 'caught-up')
    const next = await replacement(old, 'control-plane-c')
    const who = await me(next)
    expect(who.data?.memberId).toBe(id)
    const r = await joinMembership(client(), who, new Set(['ip-10-0-1-5', 'ip-10-0-2-5']), log)
    expect(r).toMatchObject({action: 'updated', removed: [], resumed: id})
    expect(who.asideReasons).toEqual([])
    await etcd.startExisting(next, r.members, r.resumed)
    // The same member (id), on the new address, renamed after its volume once it published itself.
    await expect
      .poll(async () => listed(), {timeout: 30_000})
      .toEqual(
        [
          `ip-10-0-1-5=${m[0]!.peerUrl}`,
          `ip-10-0-2-5=${m[1]!.peerUrl}`,
          `control-plane-c=${next.peerUrl}`,
        ].sort(),
      )
    expect((await EtcdCluster.memberIds(next)).get(next.peerUrl)).toBe(id)
    expect(await EtcdCluster.get(next, KEY)).toBe('kept')
    expect(await EtcdCluster.get(next, '/registry/configmaps/default/on-c')).toBe('written')
    expect(await EtcdCluster.get(next, '/registry/configmaps/default/while-gone')).toBe('caught-up')
    expect(lines.join('\n')).toContain(
      `resumes from its data as control-plane-c: peer URL ${old.peerUrl} -> ${next.peerUrl}`,
    )
  }, 120_000)

  it('sets aside the data of a member that was removed and joins as a new member', async () => {
    const old = m[1]!
    const id = (await EtcdCluster.memberIds(m[0]!)).get(old.peerUrl)!
    await etcd.stop(old)
    // Removed while its instance was gone (an operator, or another replacement's join).
    await EtcdCluster.reconfigure(m[0]!, '/v3/cluster/member/remove', {ID: id})
    const next = await replacement(old, 'control-plane-b')
    const who = await me(next)
    expect(who.data?.memberId).toBe(id)
    const r = await joinMembership(client(), who, new Set(['ip-10-0-1-5']), log)
    expect(r.action).toBe('added')
    expect(who.asideReasons).toEqual([
      `it is the data of member ${id}, which is no longer a member of the cluster`,
    ])
    expect(existsSync(`${next.dataDir}/member`)).toBe(false)
    expect(readdirSync(next.dataDir).some((f) => f.startsWith('member.set-aside-'))).toBe(true)
    await etcd.startExisting(next, r.members)
    const newId = (await EtcdCluster.memberIds(next)).get(next.peerUrl)
    expect(newId).toBeDefined()
    expect(newId).not.toBe(id)
    expect(await EtcdCluster.get(next, KEY)).toBe('kept')
    expect((await listed()).length).toBe(3)
  }, 120_000)

  it("sets aside another cluster's data (the one before a restore) and joins as a new member", async () => {
    const other = new EtcdCluster(tempDir('kforge-etcd-other-'), 'another-cluster')
    const lone = await other.define('control-plane-a')
    other.start(lone, [lone], 'new')
    await other.healthy(lone)
    await other.stop(lone)
    const next = await etcd.define('control-plane-d')
    next.dataDir = lone.dataDir
    const who = await me(next)
    const r = await joinMembership(client(), who, new Set(['ip-10-0-1-5']), log)
    expect(r.action).toBe('added')
    expect(who.asideReasons[0]).toMatch(/^it is the data of cluster \d+, not of this cluster \(\d+\)$/)
    await etcd.startExisting(next, r.members)
    expect(await EtcdCluster.get(next, KEY)).toBe('kept')
    expect(await EtcdCluster.clusterId(next)).toBe(await EtcdCluster.clusterId(m[0]!))
  }, 120_000)
})

describe("a single-member cluster's only control-plane instance replaced (real etcd)", () => {
  const etcd = new EtcdCluster(tempDir('kforge-etcd-lone-'))
  const lines: string[] = []
  const log = new Logger('info', (l) => lines.push(l))
  afterAll(() => etcd.stopAll())

  it('resumes alone on its new address with every key, then takes a second member at that address', async () => {
    const first = await etcd.define('control-plane-a')
    etcd.start(first, [first], 'new')
    await etcd.healthy(first)
    for (let i = 0; i < 50; i++) await EtcdCluster.put(first, `/registry/configmaps/default/cm-${i}`, `v${i}`)
    const id = (await EtcdCluster.memberIds(first)).get(first.peerUrl)!
    const cluster = await EtcdCluster.clusterId(first)
    await etcd.stop(first) // the only instance is terminated; its volume stays

    const next = await etcd.define('control-plane-a')
    next.dataDir = first.dataDir
    const data = await readEtcdDataIdentity(next.dataDir)
    expect(data).toEqual({memberId: id, clusterId: cluster, members: [id]})
    expect(isLoneMember(data!)).toBe(true)
    // What `kforge init --resume` writes: the member on its data, as an existing member.
    etcd.start(next, [next], 'existing')
    await etcd.healthy(next, 60_000)
    // etcd kept the old peer URL from its data; the resume moves it through the member itself.
    expect((await EtcdCluster.memberIds(next)).get(first.peerUrl)).toBe(id)
    const etcdClient = new EtcdClient([next.clientUrl], NO_TLS, 3000)
    expect(await moveOwnPeerURL(etcdClient, id, next.peerUrl, log)).toBe(true)
    expect(await moveOwnPeerURL(etcdClient, id, next.peerUrl, log)).toBe(false)
    expect([...(await EtcdCluster.memberIds(next)).entries()]).toEqual([[next.peerUrl, id]])
    // No second cluster: the same cluster id, every key written before.
    expect(await EtcdCluster.clusterId(next)).toBe(cluster)
    expect((await EtcdCluster.keys(next, '/registry/configmaps/default/')).length).toBe(50)
    expect(await EtcdCluster.get(next, '/registry/configmaps/default/cm-49')).toBe('v49')
    expect(lines.join('\n')).toContain(`moves its peer URL ${first.peerUrl} -> ${next.peerUrl}`)

    // A second control plane joins through it: it dials the moved peer URL, which must be right.
    const second = await etcd.define('control-plane-b')
    await EtcdCluster.reconfigure(next, '/v3/cluster/member/add', {peerURLs: [second.peerUrl]})
    etcd.start(second, [next, second], 'existing')
    await etcd.healthy(second, 60_000)
    expect(await EtcdCluster.get(second, '/registry/configmaps/default/cm-0')).toBe('v0')
    expect(await EtcdCluster.clusterId(second)).toBe(cluster)
  }, 120_000)
})

describe('kforge init --resume: the etcd phase on the data it finds (real etcd data, built CLI)', () => {
  const CONFIG = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 10.0.1.20}
nodeRegistration: {name: ip-10-0-1-20}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
`
  /** A root dir whose /var/lib/etcd holds the data of a stopped cluster of `names`. */
  const rootWithData = async (names: string[]) => {
    const root = tempDir('kforge-resume-root-')
    const etcd = new EtcdCluster(tempDir('kforge-resume-etcd-'))
    const members = await Promise.all(names.map((n) => etcd.define(n)))
    members[0]!.dataDir = join(root, 'var/lib/etcd')
    for (const x of members) etcd.start(x, members, 'new')
    await Promise.all(members.map((x) => etcd.healthy(x)))
    await etcd.stopAll()
    const config = join(root, 'kubeadm.yaml')
    writeFileSync(config, CONFIG)
    return {root, config}
  }
  const etcdPhase = (root: string, config: string) =>
    runKforge(['init', 'phase', 'etcd', 'local', '--resume', '--config', config, '--root-dir', root])

  it("writes etcd's manifest to start on a lone member's data as an existing member", async () => {
    const {root, config} = await rootWithData(['ip-10-0-1-5'])
    const r = await etcdPhase(root, config)
    expect(r.stderr + r.stdout).toMatch(
      /resuming etcd member \d+ of cluster \d+ from its data in \/var\/lib\/etcd/,
    )
    expect(r.code).toBe(0)
    const manifest = readFileSync(join(root, 'etc/kubernetes/manifests/etcd.yaml'), 'utf8')
    expect(manifest).toContain('- --initial-cluster-state=existing')
    expect(manifest).toContain('- --initial-cluster=ip-10-0-1-20=https://10.0.1.20:2380')
    expect(existsSync(join(root, 'var/lib/etcd/member/wal'))).toBe(true)
  }, 60_000)

  it('refuses the data of a member of a larger cluster, and an empty data dir', async () => {
    const {root, config} = await rootWithData(['a', 'b', 'c'])
    const r = await etcdPhase(root, config)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/of a cluster of 3 members; it resumes by joining \(kforge join\), not alone/)
    expect(existsSync(join(root, 'etc/kubernetes/manifests/etcd.yaml'))).toBe(false)
    const empty = tempDir('kforge-resume-empty-')
    const c = join(empty, 'kubeadm.yaml')
    writeFileSync(c, CONFIG)
    const e = await etcdPhase(empty, c)
    expect(e.code).not.toBe(0)
    expect(e.stderr).toContain("holds no etcd member's data; refusing to start etcd there")
  }, 60_000)
})
