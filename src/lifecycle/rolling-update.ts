/**
 * `kforge rolling-update cluster`: replace the instances whose launch template version is not
 * their group's. Bastions first, then control-plane groups one instance at a time, then node
 * groups: `maxSurge` instances are detached first (the group launches their replacements while
 * they keep serving) and rolled last; the rest go in batches of maxSurge + maxUnavailable. For each
 * instance: cordon and drain through the API (unless --cloudonly), terminate it, wait for the
 * group to be whole again, and validate the cluster before going on. Any failure stops the roll
 * and says where; every run starts from what the cloud shows, so re-running continues.
 */

import type {Cluster} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {KubeClient} from '../kube/client.js'
import {drainNode} from '../kube/drain.js'
import {Nodes} from '../kube/resources.js'
import {formatDuration} from '../kube/wait.js'
import {errorMessage, KforgeError} from '../util/errors.js'
import {type Logger, silentLogger} from '../util/logger.js'
import {detachForSurge, terminate, waitForGroup} from './asg-ops.js'
import {nodeOf} from './checks.js'
import {type GroupInfo, type Inventory, readInventory} from './inventory.js'
import type {KubeAccess} from './kube-access.js'
import {byRollOrder, type Candidate, instancesToUpdate} from './needs-update.js'
import {type GuardReport, guardControlPlane, waitForMembers} from './roll-guard.js'
import {waitForCluster} from './validate.js'

export interface RollingUpdateOptions {
  aws: AwsClients
  /** How to reach the API; `{skipped}` is only acceptable with `cloudOnly`. */
  kube: KubeAccess
  /** Replace without draining or validating through the API. */
  cloudOnly: boolean
  /** Replace; without it only list what would be replaced. */
  yes: boolean
  /** Only these instance groups. Default: all */
  instanceGroups?: readonly string[]
  /** Replace every instance, up to date or not. */
  force?: boolean
  /** Start replacing control-plane instances although etcd is not healthy (the roll guard). */
  forceUnhealthy?: boolean
  /** Node groups: instances launched ahead of the ones they replace. Default: 1 */
  maxSurge?: number
  /** Node groups: instances replaced at once beyond the surge. Default: 0 (1 when maxSurge is 0) */
  maxUnavailable?: number
  /** Default: 15 minutes */
  drainTimeoutMs?: number
  /** How long the cluster may take to validate after each step. Default: 15 minutes */
  validateTimeoutMs?: number
  /** Polling interval (the CLI's timings). Default: each waiter's own */
  intervalMs?: number
  logger?: Logger
}

export interface CandidateData {
  group: string
  role: string
  instance: string
  reason: string
}

export interface RollingUpdateResult {
  cluster: string
  candidates: CandidateData[]
  applied: boolean
  replaced: {group: string; instance: string}[]
  /** What the roll guard saw before the first control-plane replacement (absent: none replaced). */
  etcd?: GuardReport
}

const DEFAULT_TIMEOUT_MS = 15 * 60_000

function failureKey(f: {kind: string; name: string; message: string}): string {
  return `${f.kind} ${f.name}: ${f.message}`
}

function data(c: Candidate): CandidateData {
  return {group: c.group, role: c.role, instance: c.instance.id, reason: c.reason}
}

class Roll {
  readonly replaced: {group: string; instance: string}[] = []
  readonly log: Logger
  readonly kube: KubeClient | undefined
  /** Problems the roll was forced past: they do not hold up the steps. */
  baseline: string[] = []

  constructor(
    readonly cluster: Cluster,
    readonly o: RollingUpdateOptions,
    readonly total: number,
  ) {
    this.log = o.logger ?? silentLogger
    this.kube = 'client' in o.kube && !o.cloudOnly ? o.kube.client : undefined
  }

  private where(batch: readonly Candidate[]): string {
    const ids = batch.map((c) => c.instance.id).join(', ')
    return `at ${ids} of group ${batch[0]!.group} (${this.replaced.length} of ${this.total} instances replaced)`
  }

  private stopped(batch: readonly Candidate[], why: string): KforgeError {
    return new KforgeError(
      `rolling update stopped ${this.where(batch)}: ${why}\n` +
        `fix the problem and run "kforge rolling-update cluster ${this.cluster.name} --yes" again to continue from there`,
    )
  }

  async validate(after: readonly Candidate[] | undefined): Promise<void> {
    const report = await waitForCluster(this.cluster, {
      aws: this.o.aws,
      kube: this.kube ? this.o.kube : {skipped: '--cloudonly'},
      resources: false,
      currentVersions: false,
      // Forced past known problems: one pass finds them; waiting would not make them go.
      timeoutMs: !after && this.o.forceUnhealthy ? 0 : (this.o.validateTimeoutMs ?? DEFAULT_TIMEOUT_MS),
      ...(this.o.intervalMs !== undefined ? {intervalMs: this.o.intervalMs} : {}),
      ignore: (f) => this.baseline.includes(failureKey(f)),
      logger: this.log,
      onRetry: (r) =>
        this.log.info(
          `  waiting for the cluster to validate: ${r.failures.length} problem(s), e.g. ${r.failures[0]?.kind} ${r.failures[0]?.name}: ${r.failures[0]?.message}`,
        ),
    })
    const failures = report.failures.filter((f) => !this.baseline.includes(failureKey(f)))
    if (failures.length === 0) return
    const lines = failures.map((f) => `  ${f.kind} ${f.name}: ${f.message}`).join('\n')
    const limit = formatDuration(this.o.validateTimeoutMs ?? DEFAULT_TIMEOUT_MS)
    if (!after && this.o.forceUnhealthy) {
      this.log.warn(
        `cluster ${this.cluster.name} does not validate; --force-unhealthy: rolling anyway:\n${lines}`,
      )
      this.baseline.push(...failures.map(failureKey))
      return
    }
    if (!after) {
      throw new KforgeError(
        `cluster ${this.cluster.name} does not validate, so the rolling update did not start:\n${lines}\n` +
          'fix it first, or pass --cloudonly to replace instances without the Kubernetes checks',
      )
    }
    throw this.stopped(after, `the cluster did not validate within ${limit}:\n${lines}`)
  }

  /** Drain (when the API is used), terminate, forget the Node; wait for the group; validate. */
  async replace(batch: readonly Candidate[], group: GroupInfo | undefined): Promise<void> {
    const nodes = this.kube ? (await this.kube.list(Nodes)).items : []
    const drained = new Map<string, string>()
    for (const c of batch) {
      this.log.info(`group ${c.group}: replacing ${c.instance.id} (${c.reason})`)
      const node = nodeOf(nodes, c.instance)
      if (!this.kube || c.role === 'bastion') continue
      if (!node) {
        this.log.info(`  no Node for ${c.instance.id}; nothing to drain`)
        continue
      }
      try {
        await drainNode(this.kube, node.metadata.name!, {
          timeoutMs: this.o.drainTimeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(this.o.intervalMs !== undefined ? {intervalMs: this.o.intervalMs} : {}),
          onEvent: (line) => this.log.info(`  ${line}`),
        })
      } catch (err) {
        throw this.stopped(batch, errorMessage(err))
      }
      drained.set(c.instance.id, node.metadata.name!)
    }
    for (const c of batch) {
      await terminate(this.o.aws, c.instance.id, c.instance.asg !== undefined)
      this.log.info(`  terminated ${c.instance.id}`)
      const node = drained.get(c.instance.id)
      // The cloud controller would remove it once the instance is gone; do it now so the
      // validation that follows is not about a node that no longer exists.
      if (node && this.kube) await this.kube.deleteIfExists(Nodes, node)
    }
    if (group) {
      try {
        const r = await waitForGroup(this.o.aws, group.asg, new Set(batch.map((c) => c.instance.id)), {
          timeoutMs: this.o.validateTimeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(this.o.intervalMs !== undefined ? {intervalMs: this.o.intervalMs} : {}),
        })
        this.log.info(`  group ${group.name}: ${r.inService.length} instances InService`)
      } catch (err) {
        throw this.stopped(batch, errorMessage(err))
      }
    }
    for (const c of batch) this.replaced.push({group: c.group, instance: c.instance.id})
    if (batch[0]!.role === 'control-plane') await this.waitForEtcd(batch)
    await this.validate(batch)
  }

  /** A control-plane step: the new member healthy, its API server ready, the quorum whole. */
  async waitForEtcd(batch: readonly Candidate[]): Promise<void> {
    if (!this.kube) {
      this.log.info('  etcd health of the new member not checked (--cloudonly)')
      return
    }
    try {
      await waitForMembers(async () => (await readInventory(this.o.aws, this.cluster)).groups, this.kube, {
        timeoutMs: this.o.validateTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(this.o.intervalMs !== undefined ? {intervalMs: this.o.intervalMs} : {}),
        baseline: this.guard?.problems ?? [],
        logger: this.log,
      })
    } catch (err) {
      throw this.stopped(batch, errorMessage(err))
    }
    this.log.info('  etcd: every control-plane member healthy')
  }

  guard: GuardReport | undefined

  /** The roll guard, before the first control-plane instance goes. */
  async checkEtcd(inv: Inventory): Promise<GuardReport> {
    this.guard = await guardControlPlane(inv.groups, {
      cluster: this.cluster.name,
      kube: this.kube,
      forceUnhealthy: this.o.forceUnhealthy === true,
      logger: this.log,
    })
    return this.guard
  }

  /** One instance at a time: bastions and control-plane groups. */
  async serial(todo: readonly Candidate[], group: GroupInfo | undefined): Promise<void> {
    for (const c of todo) await this.replace([c], group)
  }

  /** Node groups: detach `maxSurge` (replaced first by the group), roll the rest, the detached last. */
  async surge(todo: readonly Candidate[], group: GroupInfo | undefined): Promise<void> {
    const surge = Math.max(0, this.o.maxSurge ?? 1)
    const unavailable = Math.max(0, this.o.maxUnavailable ?? (surge === 0 ? 1 : 0))
    const batchSize = Math.max(1, surge + unavailable)
    const members = todo.filter((c) => c.instance.asg !== undefined)
    let detached = todo.filter((c) => c.instance.asg === undefined)
    const more = group ? Math.min(Math.max(0, surge - detached.length), members.length) : 0
    if (more > 0 && group) {
      const chosen = members.slice(members.length - more)
      await detachForSurge(
        this.o.aws,
        group.asg,
        chosen.map((c) => c.instance.id),
      )
      this.log.info(`group ${group.name}: detached ${chosen.map((c) => c.instance.id).join(', ')} (surge)`)
      for (const c of chosen) {
        c.instance.asg = undefined
        c.instance.detachedFrom = group.asg
      }
      detached = [...detached, ...chosen]
      try {
        await waitForGroup(this.o.aws, group.asg, new Set(), {
          timeoutMs: this.o.validateTimeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(this.o.intervalMs !== undefined ? {intervalMs: this.o.intervalMs} : {}),
        })
      } catch (err) {
        throw this.stopped(chosen, errorMessage(err))
      }
      await this.validate(chosen)
    }
    const order = [...members.filter((c) => c.instance.asg !== undefined), ...detached]
    for (let i = 0; i < order.length; i += batchSize) await this.replace(order.slice(i, i + batchSize), group)
  }
}

export async function rollingUpdate(
  cluster: Cluster,
  options: RollingUpdateOptions,
): Promise<RollingUpdateResult> {
  const inv = await readInventory(options.aws, cluster)
  const candidates = instancesToUpdate(inv, cluster, {
    ...(options.instanceGroups ? {groups: options.instanceGroups} : {}),
    ...(options.force ? {force: true} : {}),
  }).sort(byRollOrder)
  const result: RollingUpdateResult = {
    cluster: cluster.name,
    candidates: candidates.map(data),
    applied: false,
    replaced: [],
  }
  for (const g of options.instanceGroups ?? []) {
    if (!cluster.instanceGroups.some((ig) => ig.name === g) && !inv.groups.some((x) => x.name === g)) {
      throw new KforgeError(
        `--instance-group ${g}: cluster ${cluster.name} has no such group (it has ${cluster.instanceGroups.map((x) => x.name).join(', ')})`,
      )
    }
  }
  if (!options.yes || candidates.length === 0) return result
  if (!options.cloudOnly && 'skipped' in options.kube) {
    throw new KforgeError(
      `rolling update needs the Kubernetes API to drain nodes, but ${options.kube.skipped}; ` +
        'pass --kubeconfig, or --cloudonly to replace instances without draining',
    )
  }
  const roll = new Roll(cluster, options, candidates.length)
  if (candidates.some((c) => c.role === 'control-plane')) {
    result.etcd = await roll.checkEtcd(inv)
    // Forced: the broken members go first; replacing a healthy one first is what loses quorum.
    const first = new Set(result.etcd.unhealthy)
    const rank = (c: Candidate) => (c.role === 'control-plane' && first.has(c.instance.id) ? 0 : 1)
    const both = (a: Candidate, b: Candidate) => a.role === 'control-plane' && b.role === 'control-plane'
    candidates.sort((a, b) => (both(a, b) ? rank(a) - rank(b) : 0) || byRollOrder(a, b))
  }
  if (!options.cloudOnly) await roll.validate(undefined)
  const groups = [...new Set(candidates.map((c) => c.group))]
  try {
    for (const name of groups) {
      const todo = candidates.filter((c) => c.group === name)
      const group = inv.groups.find((g) => g.name === name)
      if (todo[0]!.role === 'node') await roll.surge(todo, group)
      else await roll.serial(todo, group)
    }
  } finally {
    result.replaced = roll.replaced
  }
  result.applied = true
  return result
}
