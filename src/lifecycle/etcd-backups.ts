/**
 * etcd backups in the state store: each snapshot sealed with the cluster's KMS key (envelope
 * AES-256-GCM, the encryption context naming the cluster and the backup), under
 * `<cluster>/backups/etcd/<id>.json`. The id sorts by time, so the newest is the last listed.
 */
import type {KMSClient} from '@aws-sdk/client-kms'
import {open, seal} from '../assets/kms.js'
import type {Ciphertext} from '../render/types.js'
import type {StateStore} from '../state/types.js'
import {KforgeError} from '../util/errors.js'
import type {EtcdSnapshot} from './etcd-snapshot.js'
import {verifySnapshot} from './etcd-snapshot.js'

export interface BackupInfo {
  /** `20261202T001500Z-r1234`: time taken, then the etcd revision. */
  id: string
  takenAt: string
  revision: number
  /** Bytes of the snapshot before sealing. */
  size: number
}

interface StoredBackup extends BackupInfo {
  ciphertext: Ciphertext
}

const PREFIX = (cluster: string) => `${cluster}/backups/etcd/`

export function backupKey(cluster: string, id: string): string {
  if (!/^[0-9TZ]+-r[0-9]+$/.test(id))
    throw new KforgeError(`backup "${id}": not a backup id (like 20261202T001500Z-r1234)`)
  return `${PREFIX(cluster)}${id}.json`
}

/**
 * When the newest backup was taken, read from the listing's ids alone (each object holds a whole
 * sealed snapshot, so a freshness check must not download them); undefined when there is none.
 */
export async function newestBackupTime(store: StateStore, cluster: string): Promise<Date | undefined> {
  let newest: Date | undefined
  for (const key of await store.list(PREFIX(cluster))) {
    const m = /\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-r\d+\.json$/.exec(key)
    if (!m) continue
    const at = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
    if (!newest || at > newest) newest = at
  }
  return newest
}

function backupId(takenAt: Date, revision: number): string {
  return `${takenAt.toISOString().replace(/[-:]|\.\d{3}/g, '')}-r${revision}`
}

/** Seal `snapshot` with the cluster key and write it; returns what `listBackups` will show. */
export async function storeBackup(
  store: StateStore,
  kms: KMSClient,
  target: {cluster: string; keyId: string},
  snapshot: EtcdSnapshot,
  takenAt: Date = new Date(),
): Promise<BackupInfo> {
  const info: BackupInfo = {
    id: backupId(takenAt, snapshot.revision),
    takenAt: takenAt.toISOString(),
    revision: snapshot.revision,
    size: snapshot.bytes.length,
  }
  const ciphertext = await seal(
    kms,
    {keyId: target.keyId, cluster: target.cluster, name: `etcd-backup/${info.id}`},
    snapshot.bytes,
  )
  const stored: StoredBackup = {...info, ciphertext}
  await store.write(backupKey(target.cluster, info.id), JSON.stringify(stored), {secret: true})
  return info
}

export async function listBackups(store: StateStore, cluster: string): Promise<BackupInfo[]> {
  const out: BackupInfo[] = []
  for (const key of await store.list(PREFIX(cluster))) {
    if (!key.endsWith('.json')) continue
    const bytes = await store.read(key)
    if (bytes === undefined) continue // deleted since the listing
    const {id, takenAt, revision, size} = JSON.parse(bytes.toString('utf8')) as StoredBackup
    out.push({id, takenAt, revision, size})
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** The snapshot bytes of backup `id`, opened with the cluster key and checked against their SHA-256. */
export async function readBackup(
  store: StateStore,
  kms: KMSClient,
  cluster: string,
  id: string,
): Promise<Buffer> {
  const bytes = await store.read(backupKey(cluster, id))
  if (bytes === undefined)
    throw new KforgeError(`cluster ${cluster}: no backup "${id}" (kforge get backups ${cluster})`)
  const stored = JSON.parse(bytes.toString('utf8')) as StoredBackup
  const plain = await open(kms, {cluster, name: `etcd-backup/${stored.id}`}, stored.ciphertext)
  verifySnapshot(plain, `backup ${id}`)
  return plain
}
