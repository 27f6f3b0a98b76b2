/**
 * `kforge validate cluster`: read the cloud (the model's plan, the groups and their instances)
 * and, when the API can be reached, the cluster's Nodes and kube-system pods; run the checks; and
 * with a deadline, repeat until the cluster validates or time runs out. Rolling updates use the
 * same function between steps, without the plan and the launch-template-version check (the roll
 * is what brings instances to the current version).
 */

import type {Cluster, InstanceGroupRole} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {Plan} from '../cloud/aws/direct/plan.js'
import {KubeApiError, KubeConnectionError} from '../kube/errors.js'
import {Nodes, Pods} from '../kube/resources.js'
import type {Node, Pod} from '../kube/types.js'
import type {StateStore} from '../state/store.js'
import {type Logger, silentLogger} from '../util/logger.js'
import {type BackupTimes, backupFailures} from './backup-freshness.js'
import {type Failure, groupFailures, kubeFailures, nodeOf, resourceFailures, ZONE_LABEL} from './checks.js'
import {newestBackupTime} from './etcd-backups.js'
import {readInitRecord} from './init-once.js'
import {type Inventory, readInventory} from './inventory.js'
import type {KubeAccess} from './kube-access.js'
import {outdatedReason} from './needs-update.js'

export interface ValidateOptions {
  aws: AwsClients
  /** Default: not checked */
  kube?: KubeAccess
  /** Plan the model and report missing resources. Default: true */
  resources?: boolean
  /**
   * The state store: the prerequisites' objects in it are checked with the cloud resources, and
   * the etcd backups' freshness. Default: not checked.
   */
  store?: StateStore
  /** Report what a rolling update would replace (outdated or detached instances). Default: true */
  currentVersions?: boolean
  logger?: Logger
}

export interface GroupSummary {
  name: string
  role: InstanceGroupRole
  min: number
  max: number
  desired: number
  inService: number
  /** InService members on the group's current launch template version. */
  current: number
}

export interface NodeSummary {
  name: string
  role: string
  ready: boolean
  instance?: string
  zone?: string
}

export interface ValidationReport {
  cluster: string
  valid: boolean
  groups: GroupSummary[]
  kubernetes: {checked: true; source: string; nodes: NodeSummary[]} | {checked: false; reason: string}
  failures: Failure[]
}

function groupSummaries(inv: Inventory): GroupSummary[] {
  return inv.groups.map((g) => {
    const inService = g.instances.filter((i) => i.lifecycle === 'InService')
    return {
      name: g.name,
      role: g.role,
      min: g.min,
      max: g.max,
      desired: g.desired,
      inService: inService.length,
      current: inService.filter((i) => outdatedReason(g, i) === undefined).length,
    }
  })
}

async function readKube(
  access: Extract<KubeAccess, {client: unknown}>,
): Promise<{nodes: Node[]; pods: Pod[]} | Failure> {
  try {
    const [nodes, pods] = await Promise.all([
      access.client.list(Nodes),
      access.client.list(Pods, 'kube-system'),
    ])
    return {nodes: nodes.items, pods: pods.items}
  } catch (err) {
    if (err instanceof KubeConnectionError)
      return {kind: 'api', name: access.client.server.origin, message: err.message}
    if (err instanceof KubeApiError && (err.code === 401 || err.code === 403)) {
      return {
        kind: 'api',
        name: access.client.server.origin,
        message: `the credentials of ${access.source} were refused: ${err.message}`,
      }
    }
    throw err
  }
}

function nodeSummaries(inv: Inventory, nodes: readonly Node[]): NodeSummary[] {
  const instances = inv.groups.flatMap((g) => g.instances.map((i) => ({g, i})))
  return nodes.map((n) => {
    const owner = instances.find(({i}) => nodeOf([n], i) !== undefined)
    const zone = n.metadata.labels?.[ZONE_LABEL]
    return {
      name: n.metadata.name!,
      role:
        owner?.g.role ??
        (n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined
          ? 'control-plane'
          : 'node'),
      ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      ...(owner ? {instance: owner.i.id} : {}),
      ...(zone ? {zone} : {}),
    }
  })
}

/** The plan validation reads missing resources from; the state store's objects only when given. */
async function plannedModel(
  cluster: Cluster,
  options: ValidateOptions,
  logger: Logger,
): Promise<{plan: Plan}> {
  const {planCluster} = await import('../phases/cluster/plan.js')
  const {store, aws} = options
  if (!store) {
    const {plan} = await planCluster(cluster, aws, {logger})
    return {plan: {...plan, items: plan.items.filter((i) => i.desired.kind !== 'StateStoreObjects')}}
  }
  const {clusterStoreObjects} = await import('../phases/cluster/prerequisites.js')
  return planCluster(cluster, aws, {
    logger,
    stateStore: store.location,
    storeObjects: clusterStoreObjects(cluster, {store, aws, logger}),
  })
}

async function backupTimes(store: StateStore, cluster: string): Promise<BackupTimes> {
  const [newest, init] = await Promise.all([newestBackupTime(store, cluster), readInitRecord(store, cluster)])
  return {newest, initCompleted: init?.completedAt ? new Date(init.completedAt) : undefined}
}

/** One validation pass. */
export async function checkCluster(cluster: Cluster, options: ValidateOptions): Promise<ValidationReport> {
  const logger = options.logger ?? silentLogger
  const planned = options.resources === false ? undefined : plannedModel(cluster, options, logger)
  const inv = await readInventory(options.aws, cluster)
  const failures: Failure[] = []
  if (planned) failures.push(...resourceFailures((await planned).plan, cluster.name))
  failures.push(...groupFailures(cluster, inv, {currentVersions: options.currentVersions !== false}))
  if (options.store && cluster.spec.etcd.backups.enabled)
    failures.push(
      ...backupFailures(
        cluster.spec.etcd.backups,
        await backupTimes(options.store, cluster.name),
        new Date(),
      ),
    )

  let kubernetes: ValidationReport['kubernetes']
  const access = options.kube ?? {skipped: 'no Kubernetes access given'}
  if ('skipped' in access) {
    kubernetes = {checked: false, reason: access.skipped}
  } else {
    const read = await readKube(access)
    if ('kind' in read) {
      failures.push(read)
      kubernetes = {checked: true, source: access.source, nodes: []}
    } else {
      failures.push(...kubeFailures(inv.groups, read.nodes, read.pods))
      kubernetes = {checked: true, source: access.source, nodes: nodeSummaries(inv, read.nodes)}
    }
  }
  return {
    cluster: cluster.name,
    valid: failures.length === 0,
    groups: groupSummaries(inv),
    kubernetes,
    failures,
  }
}

export interface WaitOptions extends ValidateOptions {
  /** Keep trying this long. 0: one pass. */
  timeoutMs: number
  /** Default: 10 s */
  intervalMs?: number
  /** Called after each failed pass that will be retried. */
  onRetry?: (report: ValidationReport) => void
  /** Failures that do not hold the wait up (a forced roll's known problems). Default: none */
  ignore?: (failure: Failure) => boolean
}

/** Validate until valid or the deadline; returns the last report (valid or not). */
export async function waitForCluster(cluster: Cluster, options: WaitOptions): Promise<ValidationReport> {
  const deadline = Date.now() + options.timeoutMs
  const interval = options.intervalMs ?? 10_000
  for (;;) {
    const report = await checkCluster(cluster, options)
    const ignore = options.ignore
    const done = report.valid || (ignore !== undefined && report.failures.every(ignore))
    if (done || Date.now() + interval > deadline) return report
    options.onRetry?.(report)
    await new Promise((r) => setTimeout(r, interval))
  }
}
