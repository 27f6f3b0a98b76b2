/**
 * A restore the operator asked for (`kforge restore cluster`), as the control plane's boots see
 * it: `<cluster>/control-plane/restore.json` names the backup and the new etcd cluster's token.
 * The token is the restored cluster's generation: the init claim of a restored cluster lives
 * under its own key (init-once.ts), so the first boot after the request restores and every later
 * boot joins the restored cluster, whatever the init record of the lost one said.
 */
import type {StateStore} from '../state/types.js'
import {KforgeError} from '../util/errors.js'
import {backupKey} from './etcd-backups.js'

export interface RestoreRequest {
  /** The backup id (`kforge get backups`). */
  backup: string
  /** The restored etcd's --initial-cluster-token; also names its init claim. */
  clusterToken: string
  /** RFC 3339. */
  requestedAt: string
}

export function restoreRequestKey(cluster: string): string {
  return `${cluster}/control-plane/restore.json`
}

export async function readRestoreRequest(
  store: StateStore,
  cluster: string,
): Promise<RestoreRequest | undefined> {
  const bytes = await store.read(restoreRequestKey(cluster))
  if (bytes === undefined) return undefined
  let r: Partial<RestoreRequest>
  try {
    r = JSON.parse(bytes.toString('utf8')) as Partial<RestoreRequest>
  } catch {
    r = {}
  }
  if (
    typeof r.backup !== 'string' ||
    typeof r.clusterToken !== 'string' ||
    !/^[A-Za-z0-9-]+$/.test(r.clusterToken) ||
    typeof r.requestedAt !== 'string'
  ) {
    throw new KforgeError(
      `state store ${restoreRequestKey(cluster)}: expected {backup, clusterToken, requestedAt}; refusing to guess whether to restore`,
    )
  }
  backupKey(cluster, r.backup) // refuses an id that is not one
  return {backup: r.backup, clusterToken: r.clusterToken, requestedAt: r.requestedAt}
}

export async function writeRestoreRequest(
  store: StateStore,
  cluster: string,
  request: RestoreRequest,
): Promise<void> {
  await store.write(restoreRequestKey(cluster), `${JSON.stringify(request)}\n`)
}
