/**
 * validate cluster's backup check: backups that stopped are a failure once the newest is older
 * than spec.etcd.backups.staleAfter, counted from the cluster's init (or restore) before the first.
 */
import {describe, expect, it} from 'vitest'
import {DEFAULT_BACKUP_RETENTION} from '../../../src/api/v1alpha1/etcd-backups.js'
import type {EtcdBackups} from '../../../src/api/v1alpha1/types.js'
import {backupFailures} from '../../../src/lifecycle/backup-freshness.js'
import {backupKey, newestBackupTime} from '../../../src/lifecycle/etcd-backups.js'
import {openStateStore} from '../../../src/state/store.js'
import {tempDir} from '../../support/cli.js'

const NOW = new Date('2026-12-02T12:00:00Z')
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000)
const backups: EtcdBackups = {
  enabled: true,
  schedule: '*:0/15',
  retention: DEFAULT_BACKUP_RETENTION,
  staleAfter: '1h',
}

describe('etcd backup freshness', () => {
  it('passes while the newest backup is younger than staleAfter', () => {
    expect(backupFailures(backups, {newest: minutesAgo(14), initCompleted: minutesAgo(600)}, NOW)).toEqual([])
    expect(backupFailures(backups, {newest: minutesAgo(60), initCompleted: minutesAgo(600)}, NOW)).toEqual([])
  })

  it('fails once the newest backup is older, naming its age, the field and where to look', () => {
    const failures = backupFailures(backups, {newest: minutesAgo(195), initCompleted: minutesAgo(600)}, NOW)
    expect(failures).toEqual([
      {
        kind: 'backup',
        name: 'etcd backups',
        message:
          'the newest etcd backup was taken 3h 15m ago (2026-12-02T08:45:00.000Z), longer than spec.etcd.backups.staleAfter (1h) with the schedule "*:0/15": check kforge-etcd-backup.timer and `journalctl -u kforge-etcd-backup` on the control-plane nodes, take one now with kforge backup cluster',
      },
    ])
  })

  it('counts from the init before the first backup: a new cluster has an hour, an old one without backups fails', () => {
    expect(backupFailures(backups, {newest: undefined, initCompleted: minutesAgo(20)}, NOW)).toEqual([])
    const [failure] = backupFailures(
      backups,
      {newest: undefined, initCompleted: minutesAgo(4 * 24 * 60)},
      NOW,
    )
    expect(failure?.message).toMatch(/^no etcd backup since the cluster was initialised 4d ago/)
  })

  it('counts from a restore newer than every backup: the old generation does not fail the new one', () => {
    expect(backupFailures(backups, {newest: minutesAgo(3000), initCompleted: minutesAgo(30)}, NOW)).toEqual(
      [],
    )
  })

  it('checks nothing when backups are off or the cluster has not been initialised', () => {
    expect(
      backupFailures({...backups, enabled: false}, {newest: undefined, initCompleted: minutesAgo(9999)}, NOW),
    ).toEqual([])
    expect(backupFailures(backups, {newest: minutesAgo(9999), initCompleted: undefined}, NOW)).toEqual([])
  })

  it("reads the newest backup's time from the store's listing", async () => {
    const store = await openStateStore(`file://${tempDir()}`)
    expect(await newestBackupTime(store, 'c.example.com')).toBeUndefined()
    for (const id of ['20261202T081500Z-r10', '20261202T094500Z-r12', '20261201T235959Z-r9'])
      await store.write(backupKey('c.example.com', id), '{}')
    await store.write(backupKey('other.example.com', '20261203T000000Z-r1'), '{}')
    expect((await newestBackupTime(store, 'c.example.com'))?.toISOString()).toBe('2026-12-02T09:45:00.000Z')
  })
})
