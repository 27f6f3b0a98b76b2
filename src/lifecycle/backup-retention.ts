/**
 * Pruning scheduled etcd backups by `spec.etcd.backups.retention`: walking from the newest, every
 * backup younger than `all` is kept, then the newest of each hour younger than `hourly`, then the
 * newest of each day (UTC) younger than `daily`; the rest go. The newest backup is always kept,
 * whatever its age: a cluster whose backups stopped must not be left with none.
 */
import {retentionMs} from '../api/v1alpha1/etcd-backups.js'
import type {EtcdBackups} from '../api/v1alpha1/types.js'
import type {StateStore} from '../state/types.js'
import {KforgeError} from '../util/errors.js'
import {type BackupInfo, backupKey, listBackups} from './etcd-backups.js'

function ms(value: string, key: string): number {
  const v = retentionMs(value)
  if (v === undefined) throw new KforgeError(`retention ${key}: "${value}" is not an age like 90m, 36h or 7d`)
  return v
}

/** The backups retention lets go, oldest first. */
export function backupsToPrune(
  backups: readonly BackupInfo[],
  retention: EtcdBackups['retention'],
  now: Date,
): BackupInfo[] {
  const all = ms(retention.all, 'all')
  const hourly = ms(retention.hourly, 'hourly')
  const daily = ms(retention.daily, 'daily')
  const newestFirst = [...backups].sort((a, b) =>
    a.takenAt < b.takenAt ? 1 : a.takenAt > b.takenAt ? -1 : 0,
  )
  const hours = new Set<string>()
  const days = new Set<string>()
  const prune: BackupInfo[] = []
  newestFirst.forEach((b, i) => {
    const age = now.getTime() - Date.parse(b.takenAt)
    const hour = b.takenAt.slice(0, 13)
    const day = b.takenAt.slice(0, 10)
    const keep = i === 0 || age < all || (age < hourly && !hours.has(hour)) || (age < daily && !days.has(day))
    if (keep) {
      hours.add(hour)
      days.add(day)
    } else prune.push(b)
  })
  return prune.reverse()
}

/** Delete what retention lets go; returns the ids deleted. */
export async function pruneBackups(
  store: StateStore,
  cluster: string,
  retention: EtcdBackups['retention'],
  now: Date = new Date(),
): Promise<string[]> {
  const prune = backupsToPrune(await listBackups(store, cluster), retention, now)
  for (const b of prune) await store.delete(backupKey(cluster, b.id))
  return prune.map((b) => b.id)
}
