/**
 * `kforge restore cluster`: bring a cluster whose control plane was lost (or must be rewound) back
 * from an etcd backup. The provisioner does not touch etcd itself; it tells the control plane's
 * boots what to do and makes them boot:
 *
 * 1. the backup is opened with the cluster key and its SHA-256 checked, before anything changes;
 * 2. a restore request (`<cluster>/control-plane/restore.json`) names the backup and a new etcd
 *    cluster token, which also starts a new init claim (restore-request.ts, init-once.ts);
 * 3. every control-plane instance is terminated in its group, which launches a replacement. The
 *    first replacement to claim restores etcd from the backup (`kforge etcd restore`) and runs
 *    `kforge init` on it; every other joins the restored cluster as a new member.
 *
 * Everything written to etcd after the backup is lost, and members of the old etcd must not
 * survive (they would keep a second cluster alive): that is why every control-plane instance goes.
 */
import type {Cluster} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {StateStore} from '../state/types.js'
import {KforgeError} from '../util/errors.js'
import {terminate} from './asg-ops.js'
import {type BackupInfo, listBackups, readBackup} from './etcd-backups.js'
import {restoreClusterToken} from './etcd-restore.js'
import {readInventory} from './inventory.js'
import {type RestoreRequest, restoreRequestKey, writeRestoreRequest} from './restore-request.js'

export interface RestoreTerminate {
  instance: string
  group: string
  zone: string
  /** Its auto-scaling group replaces it; undefined for one a rolling update had detached. */
  asg?: string
}

export interface RestorePlan {
  cluster: string
  backup: BackupInfo
  request: RestoreRequest
  /** The control-plane instances to terminate (their groups launch the replacements). */
  terminate: RestoreTerminate[]
  /** The first control-plane group in spec order: its boot claims init (the others join). */
  initGroup: string
  applied: boolean
}

/** What restoring `backupId` would do; reads only (the backup is opened and checked). */
export async function planRestore(
  store: StateStore,
  aws: AwsClients,
  cluster: Cluster,
  backupId: string,
  now: Date = new Date(),
): Promise<RestorePlan> {
  const backups = await listBackups(store, cluster.name)
  const backup = backups.find((b) => b.id === backupId)
  if (backup === undefined) {
    const known = backups.map((b) => b.id).join(', ')
    throw new KforgeError(
      `cluster ${cluster.name}: no backup "${backupId}" (${known ? `backups: ${known}` : 'it has no backups'}; kforge get backups ${cluster.name})`,
    )
  }
  // Opens it with the cluster key and checks its SHA-256: a damaged backup stops here, not at boot.
  await readBackup(store, await aws.kms(), cluster.name, backupId)
  const inventory = await readInventory(aws, cluster)
  const groups = inventory.groups.filter((g) => g.role === 'control-plane')
  if (groups.length === 0) {
    throw new KforgeError(
      `cluster ${cluster.name}: no control-plane auto-scaling group in the cloud to restore into (kforge update cluster ${cluster.name} --yes makes them)`,
    )
  }
  const specGroups = cluster.instanceGroups.filter((g) => g.spec.role === 'control-plane').map((g) => g.name)
  const cpGroups = new Set(specGroups)
  const terminateList: RestoreTerminate[] = [
    ...groups.flatMap((g) =>
      g.instances.map((i) => ({instance: i.id, group: g.name, zone: i.zone, asg: g.asg})),
    ),
    ...inventory.detached
      .filter((i) => cpGroups.has(i.group))
      .map((i) => ({instance: i.id, group: i.group, zone: i.zone})),
  ]
  return {
    cluster: cluster.name,
    backup,
    request: {backup: backupId, clusterToken: restoreClusterToken(backupId), requestedAt: now.toISOString()},
    terminate: terminateList,
    initGroup: specGroups[0] ?? groups[0]!.name,
    applied: false,
  }
}

/** Write the restore request, then terminate the control-plane instances. */
export async function applyRestore(
  store: StateStore,
  aws: AwsClients,
  plan: RestorePlan,
): Promise<RestorePlan> {
  // The request first: a replacement that boots while the others are still going must already
  // find it, or it would join (and fail to join) the cluster being replaced.
  await writeRestoreRequest(store, plan.cluster, plan.request)
  for (const t of plan.terminate) await terminate(aws, t.instance, t.asg !== undefined)
  return {...plan, applied: true}
}

export function restoreText(plan: RestorePlan): string {
  const b = plan.backup
  const lines = [
    `Restore cluster ${plan.cluster} from backup ${b.id} (taken ${b.takenAt}, etcd revision ${b.revision}, ${b.size} bytes; its SHA-256 checks).`,
    '',
    `${plan.applied ? 'Done' : 'Will do'}:`,
    `  1. write ${restoreRequestKey(plan.cluster)}: restore ${b.id} into a new etcd cluster (token ${plan.request.clusterToken})`,
    plan.terminate.length === 0
      ? '  2. terminate control-plane instances: none is running'
      : `  2. terminate the control-plane instances (their groups launch replacements):\n${plan.terminate
          .map((t) => `       - ${t.instance} (group ${t.group}, ${t.zone}${t.asg ? '' : ', detached'})`)
          .join('\n')}`,
    `  3. at boot, the replacement in group ${plan.initGroup} claims the new init record, restores etcd from the backup and runs kforge init on it; every other control-plane instance joins it as a new etcd member`,
    '',
    'Every change made to the cluster after the backup was taken is lost.',
  ]
  if (!plan.applied) lines.push('Must specify --yes to restore.')
  else lines.push(`Follow the boot with: kforge validate cluster ${plan.cluster} --wait 20m`)
  return `${lines.join('\n')}\n`
}
