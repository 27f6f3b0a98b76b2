/**
 * Backups that stopped are found by `validate cluster`, not on the day they are needed: a failed
 * timer, a node role that lost its S3 rights, or a leader whose node never installed the units
 * all fail quietly on the control-plane nodes. The newest backup must be younger than
 * `spec.etcd.backups.staleAfter`; before the first one, the cluster's init (or restore) must be.
 */
import {retentionMs} from '../api/v1alpha1/etcd-backups.js'
import type {EtcdBackups} from '../api/v1alpha1/types.js'
import type {Failure} from './checks.js'

export interface BackupTimes {
  /** The newest backup in the state store. */
  newest: Date | undefined
  /** When the current init (or restore) of the cluster completed; undefined before it has. */
  initCompleted: Date | undefined
}

function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 120) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  return hours < 48 ? `${hours}h${minutes % 60 ? ` ${minutes % 60}m` : ''}` : `${Math.floor(hours / 24)}d`
}

export function backupFailures(backups: EtcdBackups, times: BackupTimes, now: Date): Failure[] {
  if (!backups.enabled || times.initCompleted === undefined) return []
  const limit = retentionMs(backups.staleAfter) ?? 0
  // A restore starts a new generation: backups from before it do not count against it.
  const since =
    times.newest && times.newest > times.initCompleted
      ? {at: times.newest, what: 'the newest etcd backup was taken'}
      : {at: times.initCompleted, what: 'no etcd backup since the cluster was initialised'}
  const elapsed = now.getTime() - since.at.getTime()
  if (limit <= 0 || elapsed <= limit) return []
  return [
    {
      kind: 'backup',
      name: 'etcd backups',
      message: `${since.what} ${age(elapsed)} ago (${since.at.toISOString()}), longer than spec.etcd.backups.staleAfter (${backups.staleAfter}) with the schedule "${backups.schedule}": check kforge-etcd-backup.timer and \`journalctl -u kforge-etcd-backup\` on the control-plane nodes, take one now with kforge backup cluster`,
    },
  ]
}
