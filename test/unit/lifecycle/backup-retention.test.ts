/**
 * Which scheduled etcd backups retention lets go (src/lifecycle/backup-retention.ts): all of the
 * last `all`, the newest of each hour up to `hourly`, the newest of each day up to `daily`, and
 * never the newest one.
 */
import {describe, expect, it} from 'vitest'
import {DEFAULT_BACKUP_RETENTION, etcdBackupProblems} from '../../../src/api/v1alpha1/etcd-backups.js'
import {backupsToPrune} from '../../../src/lifecycle/backup-retention.js'
import type {BackupInfo} from '../../../src/lifecycle/etcd-backups.js'

const NOW = new Date('2026-12-02T12:07:00Z')

function backup(takenAt: string, revision = 1): BackupInfo {
  const id = `${takenAt.replace(/[-:]|\.\d{3}/g, '')}-r${revision}`
  return {id, takenAt, revision, size: 100}
}

/** Every 15 minutes for `hours` hours before NOW. */
function every15(hours: number): BackupInfo[] {
  const out: BackupInfo[] = []
  for (let t = NOW.getTime() - hours * 3_600_000; t <= NOW.getTime(); t += 15 * 60_000)
    out.push(backup(new Date(t - (t % (15 * 60_000))).toISOString()))
  return out
}

describe('backup retention', () => {
  it('keeps every backup of the last hour, then one per hour, then one per day, and drops the rest', () => {
    const backups = every15(24 * 40) // 40 days of 15-minute backups
    const prune = new Set(backupsToPrune(backups, DEFAULT_BACKUP_RETENTION, NOW).map((b) => b.id))
    const kept = backups.filter((b) => !prune.has(b.id))
    const age = (b: BackupInfo) => NOW.getTime() - Date.parse(b.takenAt)
    // The last hour (at 12:07: 11:15 is 52 minutes old, 11:00 67): all of them.
    expect(kept.filter((b) => age(b) < 3_600_000).map((b) => b.takenAt.slice(11, 16))).toEqual([
      '11:15',
      '11:30',
      '11:45',
      '12:00',
    ])
    // One per hour for 7 days: the newest of each hour (:45).
    const hourly = kept.filter((b) => age(b) >= 3_600_000 && age(b) < 7 * 86_400_000)
    expect(hourly.length).toBe(7 * 24 - 1)
    expect(new Set(hourly.map((b) => b.takenAt.slice(14, 16)))).toEqual(new Set(['45']))
    // One per day up to 30 days: the newest of each day (23:45).
    const daily = kept.filter((b) => age(b) >= 7 * 86_400_000)
    expect(daily.every((b) => b.takenAt.slice(11, 16) === '23:45')).toBe(true)
    expect(daily.every((b) => age(b) < 30 * 86_400_000)).toBe(true)
    expect(daily.length).toBe(23)
    expect(kept.length).toBe(4 + 167 + 23)
    // Oldest first, and nothing kept is pruned.
    const pruned = backupsToPrune(backups, DEFAULT_BACKUP_RETENTION, NOW)
    expect(pruned.map((b) => b.takenAt)).toEqual([...pruned.map((b) => b.takenAt)].sort())
    expect(pruned.length + kept.length).toBe(backups.length)
  })

  it('never prunes the newest backup, however old (backups that stopped leave one)', () => {
    const old = [backup('2025-01-01T00:00:00.000Z'), backup('2025-01-02T00:00:00.000Z')]
    expect(backupsToPrune(old, DEFAULT_BACKUP_RETENTION, NOW).map((b) => b.takenAt)).toEqual([
      '2025-01-01T00:00:00.000Z',
    ])
    expect(backupsToPrune([], DEFAULT_BACKUP_RETENTION, NOW)).toEqual([])
  })

  it('keeps only the newest with every tier at 0', () => {
    const backups = every15(3)
    const pruned = backupsToPrune(backups, {all: '0', hourly: '0', daily: '0'}, NOW)
    expect(pruned.length).toBe(backups.length - 1)
    expect(pruned.map((b) => b.id)).not.toContain(backups.at(-1)!.id)
  })

  it('refuses a schedule that could write another unit line, and ages it cannot read', () => {
    expect(
      etcdBackupProblems({
        schedule: '*:0/15\nExecStartPre=/bin/sh',
        retention: {all: '1h', hourly: '1 week', daily: '30d'},
        staleAfter: '0',
      }).map((p) => `${p.path.join('.')}: ${p.message}`),
    ).toEqual([
      'schedule: ("*:0/15\nExecStartPre=/bin/sh") is not a systemd calendar expression like *:0/15, hourly or *-*-* 02:00:00',
      'retention.hourly: ("1 week") is not an age like 90m, 36h or 7d (0 keeps none)',
      'staleAfter: ("0") is not an age like 45m, 2h or 1d',
    ])
    expect(
      etcdBackupProblems({schedule: 'hourly', retention: DEFAULT_BACKUP_RETENTION, staleAfter: '2h'}),
    ).toEqual([])
  })
})
