/**
 * A joining control-plane node's etcd membership (src/phases/join/api/etcd-members.ts) on a real
 * three-member etcd on loopback (the binary of the Kubernetes assets): a member whose instance is
 * gone is removed before the replacement is added (etcd refuses the add otherwise), a member whose
 * volume was lost is removed and added again under its name, and a member whose data survived
 * resumes on its new address. The data written before every replacement is still there after.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readEtcdDataIdentity} from '../../src/lifecycle/etcd-wal.js'
import {joinMembership} from '../../src/phases/join/api/etcd-members.js'
import {Logger} from '../../src/util/logger.js'
import {tempDir} from '../support/cli.js'
import {EtcdCluster, type Member} from '../support/etcd.js'

describe('etcd membership when a control-plane instance is replaced (real etcd)', () => {
  const etcd = new EtcdCluster(tempDir('kforge-etcd-members-'))
  const lines: string[] = []
  const log = new Logger('info', (l) => lines.push(l))
  let m: Member[]
  const setAside = async (reason: string) => {
    throw new Error(`set aside unexpectedly: ${reason}`)
  }

  const client = () => etcd.client()
  const listed = () => etcd.listed()
  beforeAll(async () => {
    m = await etcd.startNew(['m1', 'm2', 'm3'])
    await EtcdCluster.putAfterElection(m[0]!, '/registry/configmaps/default/before', 'kept')
  }, 60_000)

  afterAll(() => etcd.stopAll())

  it('removes a member whose instance is gone before adding the replacement, which etcd refuses otherwise', async () => {
    await etcd.stop(m[2]!, true)
    // kubeadm's flow: add the new member while the gone one still counts. 3 members, 2 started:
    // a fourth would need 3 started for a quorum, and etcd's strict reconfig check says no.
    const refused = await client()
      .memberAdd('http://127.0.0.1:1')
      .then(
        () => 'added',
        (err: Error) => err.message,
      )
    expect(refused).toMatch(/not enough started members|unhealthy cluster/)

    const m4 = await etcd.define('m4')
    const r = await joinMembership(
      client(),
      {name: 'm4', peerURL: m4.peerUrl, data: undefined, setAside},
      new Set(['m1', 'm2']),
      log,
    )
    expect(r.action).toBe('added')
    expect(r.removed).toEqual([`m3 (${m[2]!.peerUrl})`])
    await etcd.startExisting(m4, r.members)
    expect(await listed()).toEqual([`m1=${m[0]!.peerUrl}`, `m2=${m[1]!.peerUrl}`, `m4=${m4.peerUrl}`].sort())
    expect(await EtcdCluster.get(m4, '/registry/configmaps/default/before')).toBe('kept')
    expect(lines.join('\n')).toContain('Removing etcd member m3')
  }, 120_000)

  it('keeps a member that still answers, and one whose Node is registered', async () => {
    const r = await joinMembership(
      client(),
      {name: 'm1', peerURL: m[0]!.peerUrl, data: await readEtcdDataIdentity(m[0]!.dataDir), setAside},
      new Set(['m1']),
      log,
    )
    // m2 and m4 have no Node in this set, but they answer: alive, never removed.
    expect(r).toMatchObject({action: 'member', removed: []})
    expect((await listed()).length).toBe(3)
  })

  it('removes and re-adds a member whose volume was lost, under its own name', async () => {
    await etcd.stop(m[1]!, true)
    const again = await etcd.define('m2') // a new instance: another address, an empty data dir
    const r = await joinMembership(
      client(),
      {name: 'm2', peerURL: again.peerUrl, data: undefined, setAside},
      new Set(['m1', 'm2', 'm4']),
      log,
    )
    expect(r.action).toBe('replaced')
    await etcd.startExisting(again, r.members)
    expect(await listed()).toEqual(
      [
        `m1=${m[0]!.peerUrl}`,
        `m2=${again.peerUrl}`,
        `m4=${etcd.members.find((x) => x.name === 'm4')!.peerUrl}`,
      ].sort(),
    )
    expect(await EtcdCluster.get(again, '/registry/configmaps/default/before')).toBe('kept')
    expect(lines.join('\n')).toContain(
      'has no data here (its volume was lost): removing it and adding it again',
    )
  }, 120_000)

  it('moves a member whose data survived to its new address, and it resumes with that data', async () => {
    const m4 = etcd.members.find((x) => x.name === 'm4' && x.process)!
    await EtcdCluster.putAfterElection(m4, '/registry/configmaps/default/on-m4', 'written')
    await etcd.stop(m4) // the instance goes; its data dir (its volume) stays
    const moved = await etcd.define('m4')
    moved.dataDir = m4.dataDir
    const r = await joinMembership(
      client(),
      {name: 'm4', peerURL: moved.peerUrl, data: await readEtcdDataIdentity(moved.dataDir), setAside},
      new Set(['m1', 'm2', 'm4']),
      log,
    )
    expect(r.action).toBe('updated')
    await etcd.startExisting(moved, r.members)
    expect(await listed()).toContain(`m4=${moved.peerUrl}`)
    expect((await listed()).length).toBe(3)
    expect(await EtcdCluster.get(moved, '/registry/configmaps/default/on-m4')).toBe('written')
    expect(await EtcdCluster.get(moved, '/registry/configmaps/default/before')).toBe('kept')
  }, 120_000)
})
