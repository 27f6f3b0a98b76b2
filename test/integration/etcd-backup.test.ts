/**
 * etcd snapshots, backups and quorum on a real three-member etcd on loopback (the binary of the
 * Kubernetes assets), with backups sealed by a KMS key on the moto emulator.
 */
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {listBackups, readBackup, storeBackup} from '../../src/lifecycle/etcd-backups.js'
import {takeSnapshot} from '../../src/lifecycle/etcd-snapshot.js'
import {openStateStore, type StateStore} from '../../src/state/store.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'
import {EtcdCluster, type Member} from '../support/etcd.js'

const CLUSTER = 'etcd.example.com'

describe('a three-member etcd on loopback', () => {
  const etcd = new EtcdCluster(tempDir('kforge-etcd-'))
  let members: Member[]
  let store: StateStore
  let kms: KMSClient
  let keyId: string

  beforeAll(async () => {
    members = await etcd.startNew(['m1', 'm2', 'm3'])
    for (let i = 0; i < 20; i++)
      await EtcdCluster.put(members[i % 3]!, `/registry/configmaps/default/cm-${i}`, `value-${i}`)
    Object.assign(process.env, emulatorEnv())
    kms = new KMSClient({})
    keyId = (await kms.send(new CreateKeyCommand({Description: 'kforge etcd backup test'}))).KeyMetadata!
      .KeyId!
    store = await openStateStore(tempDir('kforge-etcd-store-'))
  }, 60_000)

  afterAll(() => etcd.stopAll())

  it('snapshots a member, seals the snapshot with the cluster key, lists it and reads it back', async () => {
    const snapshot = await takeSnapshot(members[1]!.clientUrl)
    expect(snapshot.revision).toBeGreaterThanOrEqual(21)
    // The database holds the keys (bbolt stores the key-value protobufs as they are).
    expect(snapshot.bytes.includes(Buffer.from('/registry/configmaps/default/cm-19'))).toBe(true)

    const info = await storeBackup(
      store,
      kms,
      {cluster: CLUSTER, keyId},
      snapshot,
      new Date('2026-12-02T00:15:00Z'),
    )
    expect(info).toEqual({
      id: `20261202T001500Z-r${snapshot.revision}`,
      takenAt: '2026-12-02T00:15:00.000Z',
      revision: snapshot.revision,
      size: snapshot.bytes.length,
    })
    expect(await listBackups(store, CLUSTER)).toEqual([info])
    const raw = (await store.read(`${CLUSTER}/backups/etcd/${info.id}.json`))!
    expect(raw.includes(Buffer.from('cm-19'))).toBe(false)
    expect(raw.includes(Buffer.from(Buffer.from('cm-19').toString('base64').slice(0, 6)))).toBe(false)
    expect((await readBackup(store, kms, CLUSTER, info.id)).equals(snapshot.bytes)).toBe(true)
    // Sealed for this cluster and this backup: another cluster's name does not open it.
    await store.write(`other.example.com/backups/etcd/${info.id}.json`, raw)
    await expect(readBackup(store, kms, 'other.example.com', info.id)).rejects.toThrow()
  })

  it('takes a backup with `kforge backup cluster` and lists it with `kforge get backups`', async () => {
    const state = tempDir('kforge-etcd-cli-')
    const env = emulatorEnv()
    const arn = (await kms.send(new CreateKeyCommand({Description: 'kforge cli backup'}))).KeyMetadata!.Arn!
    const name = 'cli.example.com'
    const created = await runKforge(
      ['create', 'cluster', name, '--zones', 'us-east-1a', '--kms-key', arn, '--state', state],
      {env},
    )
    expect(created.code, created.stderr).toBe(0)
    const none = await runKforge(['get', 'backups', name, '--state', state], {env})
    expect(none.stdout).toBe(`No backups of ${name} in state store ${state}\n`)

    const taken = await runKforge(
      ['backup', 'cluster', name, '--etcd-url', members[0]!.clientUrl, '--state', state, '-o', 'json'],
      {env},
    )
    expect(taken.code, taken.stderr).toBe(0)
    const info = JSON.parse(taken.stdout) as {id: string; revision: number; size: number}
    expect(info.revision).toBeGreaterThanOrEqual(21)

    const listed = await runKforge(['get', 'backups', name, '--state', state, '-o', 'json'], {env})
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({id: info.id, size: info.size})])
    const snapshot = await readBackup(await openStateStore(state), kms, name, info.id)
    expect(snapshot.includes(Buffer.from('/registry/configmaps/default/cm-3'))).toBe(true)
  }, 60_000)

  it('replaces a member (remove, wipe, add a new one) and keeps quorum and every key', async () => {
    const [m1, m2, m3] = members as [Member, Member, Member]
    const ids = await EtcdCluster.memberIds(m1)
    await EtcdCluster.reconfigure(m1, '/v3/cluster/member/remove', {ID: ids.get(m3.peerUrl)})
    await etcd.stop(m3, true)
    const m4 = await etcd.define('m4')
    await EtcdCluster.reconfigure(m1, '/v3/cluster/member/add', {peerURLs: [m4.peerUrl]})
    etcd.start(m4, [m1, m2, m4], 'existing')
    await etcd.healthy(m4, 60_000)
    expect(await EtcdCluster.get(m4, '/registry/configmaps/default/cm-7')).toBe('value-7')
    expect([...(await EtcdCluster.memberIds(m4)).keys()].sort()).toEqual(
      [m1.peerUrl, m2.peerUrl, m4.peerUrl].sort(),
    )
    // m1 down: m2 and m4 are two of three, a quorum: writes still commit.
    await etcd.stop(m1)
    await EtcdCluster.putAfterElection(m2, '/registry/configmaps/default/after-replace', 'yes')
    expect(await EtcdCluster.get(m4, '/registry/configmaps/default/after-replace')).toBe('yes')
    etcd.start(m1, [m1, m2, m4], 'existing')
    await etcd.healthy(m1, 60_000)
    members = [m1, m2, m4]
  }, 240_000)

  it('refuses writes when two of three members are down, and recovers when one returns', async () => {
    const [m1, m2, m4] = members as [Member, Member, Member]
    await etcd.stop(m2)
    await etcd.stop(m4)
    const refused = await EtcdCluster.put(m1, '/registry/configmaps/default/no-quorum', 'x', 15_000).then(
      () => 'committed',
      (err: Error) => err.message,
    )
    expect(refused).not.toBe('committed')
    etcd.start(m2, [m1, m2, m4], 'existing')
    await etcd.healthy(m2, 60_000)
    await EtcdCluster.putAfterElection(m1, '/registry/configmaps/default/quorum-back', 'y')
    expect(await EtcdCluster.get(m2, '/registry/configmaps/default/quorum-back')).toBe('y')
    expect(await EtcdCluster.get(m2, '/registry/configmaps/default/no-quorum')).toBeUndefined()
    expect(await EtcdCluster.get(m1, '/registry/configmaps/default/cm-0')).toBe('value-0')
  }, 240_000)
})
