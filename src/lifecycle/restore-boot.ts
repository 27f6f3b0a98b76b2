/**
 * The restore a control-plane boot does when `kforge restore cluster` asked for one and its init
 * claim won: the requested backup, opened with the instance role, restored into this member's
 * data dir as the first member of the new cluster the request's token names. What was on the data
 * dir is moved aside, not deleted: the operator asked for the restore, and the old data is theirs.
 */
import type {KMSClient} from '@aws-sdk/client-kms'
import type {StateStore} from '../state/types.js'
import {readBackup} from './etcd-backups.js'
import {type Etcdutl, type RestoreResult, restoreSnapshot} from './etcd-restore.js'
import type {RestoreRequest} from './restore-request.js'

export interface BootMember {
  name: string
  peerUrl: string
  /** The data dir on this machine (under the root dir). */
  dataDir: string
  /** The data dir as the kubeadm config names it (`/var/lib/etcd`). */
  configDataDir: string
}

export async function restoreRequested(o: {
  store: StateStore
  kms: KMSClient
  cluster: string
  request: RestoreRequest
  member: BootMember
  etcdutl: Etcdutl
}): Promise<RestoreResult> {
  const snapshot = await readBackup(o.store, o.kms, o.cluster, o.request.backup)
  return restoreSnapshot({
    name: o.member.name,
    peerUrl: o.member.peerUrl,
    dataDir: o.member.dataDir,
    snapshot,
    source: `backup ${o.request.backup}`,
    clusterToken: o.request.clusterToken,
    etcdutl: o.etcdutl,
    replaceExisting: true,
  })
}

/**
 * `kforge init`'s arguments on restored data: the data dir is full on purpose, so its preflight
 * check (kubeadm's `DirAvailable--var-lib-etcd`, named after the path) is ignored, as in kubeadm's
 * own restore procedure.
 */
export function initArgsAfterRestore(member: BootMember): string[] {
  return ['--ignore-preflight-errors', `DirAvailable-${member.configDataDir.replaceAll('/', '-')}`]
}
