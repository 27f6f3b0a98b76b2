/**
 * One run of the scheduled etcd backup on a control-plane node (`kforge etcd backup
 * --scheduled`, started by its systemd timer): every control-plane node has the timer, and only
 * the node whose member is etcd's leader takes the snapshot, so a three-member cluster stores
 * one backup per period, not three. The leader then prunes by retention. A leader change between
 * runs moves the backup to another node; a run on a node whose member is down fails (logged by
 * systemd) and the leader's node takes the next.
 */
import type {KMSClient} from '@aws-sdk/client-kms'
import type {EtcdBackups} from '../api/v1alpha1/types.js'
import type {StateStore} from '../state/types.js'
import {pruneBackups} from './backup-retention.js'
import {type BackupInfo, storeBackup} from './etcd-backups.js'
import {type EtcdTls, isLeader, takeSnapshot} from './etcd-snapshot.js'

export interface ScheduledBackupInput {
  store: StateStore
  kms: KMSClient
  cluster: string
  keyId: string
  etcdUrl: string
  tls?: EtcdTls
  /** Only the leader takes it (the timer's runs). Default: false (take it here). */
  leaderOnly?: boolean
  /** Prune after a backup was taken. Default: no pruning */
  retention?: EtcdBackups['retention']
  now?: () => Date
}

export type ScheduledBackupResult =
  | {taken: BackupInfo; pruned: string[]}
  | {skipped: string; pruned: string[]}

export async function scheduledBackup(i: ScheduledBackupInput): Promise<ScheduledBackupResult> {
  const tls = i.tls ? {tls: i.tls} : {}
  if (i.leaderOnly && !(await isLeader(i.etcdUrl, tls))) {
    return {
      skipped: `the etcd member at ${i.etcdUrl} is not the leader; the leader's node takes the backup`,
      pruned: [],
    }
  }
  const snapshot = await takeSnapshot(i.etcdUrl, tls)
  const now = i.now ?? (() => new Date())
  const taken = await storeBackup(i.store, i.kms, {cluster: i.cluster, keyId: i.keyId}, snapshot, now())
  const pruned = i.retention ? await pruneBackups(i.store, i.cluster, i.retention, now()) : []
  return {taken, pruned}
}
