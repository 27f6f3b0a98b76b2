/**
 * `kforge restore cluster` against the emulator: the backup is checked before anything changes,
 * the plan names what will happen, and with --yes the restore request is recorded and every
 * control-plane instance is terminated in its group (nodes stay), after which the first boot to
 * claim restores and the rest join.
 */
import {createHash} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {clusterKmsKey} from '../../src/assets/prepare.js'
import {type BackupInfo, storeBackup} from '../../src/lifecycle/etcd-backups.js'
import {claimInit} from '../../src/lifecycle/init-once.js'
import {readRestoreRequest, restoreRequestKey} from '../../src/lifecycle/restore-request.js'
import {loadCluster, saveClusterSpec} from '../../src/state/clusters.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {cloudSandbox} from './lifecycle-sandbox.js'
import {type CloudInstance, runningInstances} from './lifecycle-support.js'

process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const REGION = 'eu-west-1'
const NAME = 'restore-cluster.example.com'

/** A snapshot as etcd streams it: the database, then its SHA-256 (the provisioner checks only that). */
function fakeSnapshot(): Buffer {
  const db = Buffer.from('bbolt database bytes '.repeat(100))
  return Buffer.concat([db, createHash('sha256').update(db).digest()])
}

describe('restore cluster against the emulator', () => {
  const {store, aws, kforge, deleteCluster} = cloudSandbox(REGION, 50)
  let before: CloudInstance[]
  let backup: BackupInfo

  beforeAll(async () => {
    await saveClusterSpec(store, publicSingleCluster(NAME, REGION))
    const up = await kforge('update', 'cluster', NAME, '--yes')
    expect(up.code, up.stderr).toBe(0)
    before = await runningInstances(aws, NAME)
    const cluster = await loadCluster(store, NAME)
    backup = await storeBackup(
      store,
      await aws.kms(),
      {cluster: NAME, keyId: clusterKmsKey(cluster)},
      {bytes: fakeSnapshot(), revision: 42},
      new Date('2026-12-02T01:00:00Z'),
    )
  }, 180_000)
  afterAll(async () => {
    await deleteCluster(NAME)
  }, 180_000)

  it('refuses a backup that does not exist, naming the ones that do', async () => {
    const r = await kforge('restore', 'cluster', NAME, '--from', '20261201T000000Z-r1', '--yes')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`no backup "20261201T000000Z-r1" (backups: ${backup.id}`)
  })

  it('says what it will do without --yes, and changes nothing', async () => {
    const controlPlane = before.filter((i) => i.role === 'control-plane')
    expect(controlPlane).toHaveLength(1)
    const r = await kforge('restore', 'cluster', NAME, '--from', backup.id)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(
      `Restore cluster ${NAME} from backup ${backup.id} (taken 2026-12-02T01:00:00.000Z, etcd revision 42`,
    )
    expect(r.stdout).toContain(`- ${controlPlane[0]!.id} (group control-plane-${REGION}a, ${REGION}a)`)
    expect(r.stdout).toContain('Every change made to the cluster after the backup was taken is lost.')
    expect(r.stdout).toContain('Must specify --yes to restore.')
    expect(await store.read(restoreRequestKey(NAME))).toBeUndefined()
    expect((await runningInstances(aws, NAME)).map((i) => i.id).sort()).toEqual(
      before.map((i) => i.id).sort(),
    )
  })

  it('refuses a backup whose sealed bytes were altered, before changing anything', async () => {
    const key = `${NAME}/backups/etcd/${backup.id}.json`
    const good = (await store.read(key))!
    const stored = JSON.parse(good.toString('utf8')) as Record<string, unknown>
    const tampered = JSON.stringify(stored).replace(
      /"blob":"(.)/,
      (_m, c: string) => `"blob":"${c === 'A' ? 'B' : 'A'}`,
    )
    expect(tampered).not.toBe(JSON.stringify(stored))
    await store.write(key, tampered)
    try {
      const r = await kforge('restore', 'cluster', NAME, '--from', backup.id, '--yes')
      expect(r.code).not.toBe(0)
      expect(await store.read(restoreRequestKey(NAME))).toBeUndefined()
      expect((await runningInstances(aws, NAME)).length).toBe(before.length)
    } finally {
      await store.write(key, good)
    }
  })

  it('with --yes records the request and replaces the control plane only; the first boot restores, the next joins', async () => {
    await claimInit(store, NAME, 'i-0original0000000')
    const r = await kforge('restore', 'cluster', NAME, '--from', backup.id, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('Done:')
    const request = await readRestoreRequest(store, NAME)
    expect(request).toMatchObject({
      backup: backup.id,
      clusterToken: expect.stringMatching(/^kforge-restore-/),
    })
    const now = await runningInstances(aws, NAME)
    const cp = before.find((i) => i.role === 'control-plane')!
    expect(now.map((i) => i.id)).not.toContain(cp.id)
    expect(
      now
        .filter((i) => i.role === 'node')
        .map((i) => i.id)
        .sort(),
    ).toEqual(
      before
        .filter((i) => i.role === 'node')
        .map((i) => i.id)
        .sort(),
    )
    // The lost cluster's init record no longer decides: the replacement restores, the next joins.
    const first = await claimInit(store, NAME, 'i-0replacement0001')
    expect(first).toMatchObject({action: 'restore', restore: {backup: backup.id}})
    const second = await claimInit(store, NAME, 'i-0replacement0002')
    expect(second.action).toBe('join')
  })
})
