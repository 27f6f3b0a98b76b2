/**
 * readEtcdDataIdentity on data dirs the real etcd (the Kubernetes assets' release) wrote on
 * loopback: the member id, the cluster id and the members a data dir records match what the
 * running cluster reports, through a member removal and an addition, and on a stopped member.
 */
import {cpSync, readdirSync, truncateSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readEtcdDataIdentity} from '../../src/lifecycle/etcd-wal.js'
import {tempDir} from '../support/cli.js'
import {EtcdCluster, type Member} from '../support/etcd.js'

describe('the identity of etcd data, read from its WAL (real etcd)', () => {
  const etcd = new EtcdCluster(tempDir('kforge-etcd-wal-'))
  let m: Member[]

  beforeAll(async () => {
    // Snapshots every few entries: the members then come from a snapshot's ConfState and the conf
    // changes after it, as on a cluster that has run a while.
    m = await etcd.startNew(['m1', 'm2', 'm3'], ['--snapshot-count=5', '--snapshot-catchup-entries=2'])
    await EtcdCluster.putAfterElection(m[0]!, '/registry/configmaps/default/a', 'x')
  }, 60_000)

  afterAll(() => etcd.stopAll())

  it('names the member, its cluster and the members, as the cluster reports them', async () => {
    const ids = await EtcdCluster.memberIds(m[0]!)
    const cluster = await EtcdCluster.clusterId(m[0]!)
    for (const x of m) {
      const id = await readEtcdDataIdentity(x.dataDir)
      expect(id).toEqual({
        memberId: ids.get(x.peerUrl),
        clusterId: cluster,
        members: [...ids.values()].sort(),
      })
    }
  })

  it('follows a removal and an addition, read from a stopped member too', async () => {
    const ids = await EtcdCluster.memberIds(m[0]!)
    // m3's instance is gone, then the member is removed (as a replacement's join does): its data
    // never learns of the removal.
    await etcd.stop(m[2]!)
    await EtcdCluster.reconfigure(m[0]!, '/v3/cluster/member/remove', {ID: ids.get(m[2]!.peerUrl)})
    const m4 = await etcd.define('m4')
    await EtcdCluster.reconfigure(m[0]!, '/v3/cluster/member/add', {peerURLs: [m4.peerUrl]})
    for (let i = 0; i < 20; i++) await EtcdCluster.put(m[0]!, `/registry/configmaps/default/n${i}`, 'z')
    etcd.start(m4, [m[0]!, m[1]!, m4], 'existing', ['--snapshot-count=5'])
    await etcd.healthy(m4, 60_000)
    await EtcdCluster.putAfterElection(m4, '/registry/configmaps/default/b', 'y')
    const now = await EtcdCluster.memberIds(m[0]!)
    const cluster = await EtcdCluster.clusterId(m[0]!)
    await etcd.stop(m[1]!)
    for (const x of [m[0]!, m[1]!, m4]) {
      expect(await readEtcdDataIdentity(x.dataDir)).toEqual({
        memberId: now.get(x.peerUrl),
        clusterId: cluster,
        members: [...now.values()].sort(),
      })
    }
    const removed = await readEtcdDataIdentity(m[2]!.dataDir)
    expect(removed?.memberId).toBe(ids.get(m[2]!.peerUrl))
    expect(removed?.members).toContain(removed?.memberId)
    expect(now.has(m[2]!.peerUrl)).toBe(false)
  }, 120_000)

  it('reads a WAL torn mid-record (a crash mid-write) up to the torn record', async () => {
    const copy = tempDir('kforge-etcd-torn-')
    cpSync(m[0]!.dataDir, copy, {recursive: true})
    const wal = join(copy, 'member/wal')
    const last = join(wal, readdirSync(wal).sort().at(-1)!)
    truncateSync(last, 700) // an arbitrary byte among the records: the tail record is cut short
    const id = await readEtcdDataIdentity(copy)
    expect(id?.memberId).toBe((await readEtcdDataIdentity(m[0]!.dataDir))?.memberId)
    expect(id?.clusterId).toBe(await EtcdCluster.clusterId(m[0]!))
  })

  it('is undefined for a data dir without a WAL', async () => {
    expect(await readEtcdDataIdentity(tempDir('kforge-etcd-empty-'))).toBeUndefined()
  })
})
