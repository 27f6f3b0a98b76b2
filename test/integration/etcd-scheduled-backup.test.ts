/**
 * The scheduled etcd backup as its systemd timer runs it (`kforge etcd backup --scheduled`, the
 * built CLI) on each member of a real three-member etcd on loopback, into a state store in the
 * emulator's S3 sealed with a key of its KMS: the leader's run takes the one backup, the others
 * skip, and the leader prunes what retention lets go; `kforge get backups` shows the result.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type BackupInfo, readBackup, storeBackup} from '../../src/lifecycle/etcd-backups.js'
import {takeSnapshot} from '../../src/lifecycle/etcd-snapshot.js'
import {openStateStore} from '../../src/state/store.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'
import {EtcdCluster, type Member} from '../support/etcd.js'

const CLUSTER = 'scheduled.example.com'
const REGION = 'us-east-1'

describe('scheduled etcd backups (real etcd, emulator S3 and KMS)', () => {
  const etcd = new EtcdCluster(tempDir('kforge-etcd-scheduled-'))
  const dir = tempDir('kforge-etcd-scheduled-cli-')
  const manifest = join(dir, 'assets.json')
  const env = emulatorEnv(REGION)
  let members: Member[]
  let state: string
  let kms: KMSClient
  let keyId: string

  beforeAll(async () => {
    members = await etcd.startNew(['s1', 's2', 's3'])
    await EtcdCluster.putAfterElection(members[0]!, '/registry/configmaps/default/scheduled', 'yes')
    Object.assign(process.env, env)
    kms = new KMSClient({region: REGION})
    keyId = (await kms.send(new CreateKeyCommand({Description: 'kforge scheduled backup'}))).KeyMetadata!.Arn!
    state = await emulatorStateStore(REGION, 'kforge-scheduled-backups')
    // What the node has: the assets manifest names the cluster and its region.
    writeFileSync(manifest, JSON.stringify({cluster: CLUSTER, region: REGION}))
  }, 60_000)

  afterAll(() => etcd.stopAll())

  it("takes one backup per run on the leader's node, prunes by retention, and get backups lists them", async () => {
    const store = await openStateStore(state, {region: REGION})
    // Older backups, as earlier runs left them: two in one hour three hours ago (the older one
    // goes), one 40 days ago (past daily: goes), one 10 days ago (the newest of its day: kept).
    const snapshot = await takeSnapshot(members[0]!.clientUrl)
    const ago = (ms: number) => new Date(Date.now() - ms)
    const hour = 3_600_000
    const threeHours = new Date(Math.floor((Date.now() - 3 * hour) / hour) * hour)
    const old: BackupInfo[] = []
    for (const at of [
      new Date(threeHours.getTime() + 10 * 60_000),
      new Date(threeHours.getTime() + 40 * 60_000),
      ago(40 * 24 * hour),
      ago(10 * 24 * hour),
    ])
      old.push(await storeBackup(store, kms, {cluster: CLUSTER, keyId}, snapshot, at))

    const runs = await Promise.all(
      members.map((m) =>
        runKforge(
          [
            'etcd',
            'backup',
            '--scheduled',
            '--state',
            state,
            '--manifest',
            manifest,
            '--kms-key',
            keyId,
            '--etcd-url',
            m.clientUrl,
            '--keep-all',
            '1h',
            '--keep-hourly',
            '7d',
            '--keep-daily',
            '30d',
            '-o',
            'json',
          ],
          {env},
        ),
      ),
    )
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    const results = runs.map(
      (r) => JSON.parse(r.stdout) as {taken?: BackupInfo; skipped?: string; pruned: string[]},
    )
    const taken = results.filter((r) => r.taken)
    expect(taken).toHaveLength(1)
    expect(results.filter((r) => r.skipped?.includes('is not the leader'))).toHaveLength(2)
    expect([...taken[0]!.pruned].sort()).toEqual([old[0]!.id, old[2]!.id].sort())

    const listed = await runKforge(['get', 'backups', CLUSTER, '--state', state, '-o', 'json'], {env})
    expect(listed.code, listed.stderr).toBe(0)
    expect((JSON.parse(listed.stdout) as BackupInfo[]).map((b) => b.id)).toEqual(
      [old[3]!.id, old[1]!.id, taken[0]!.taken!.id].sort(),
    )
    const text = await runKforge(['get', 'backups', CLUSTER, '--state', state], {env})
    expect(text.stdout).toContain(taken[0]!.taken!.id)
    // The new backup is the live etcd, sealed with the cluster key.
    const bytes = await readBackup(store, kms, CLUSTER, taken[0]!.taken!.id)
    expect(bytes.includes(Buffer.from('/registry/configmaps/default/scheduled'))).toBe(true)
  }, 120_000)
})
