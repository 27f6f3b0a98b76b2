/**
 * The roll guard: rolling-update and upgrade replace control-plane instances only while etcd can
 * afford to lose a member. Before the first control-plane instance goes, every member must be
 * healthy (src/lifecycle/etcd-health.ts says what that means from the operator's machine); with
 * one member already down, taking a second would leave two of three and no quorum: etcd stops
 * accepting writes and the API server with it. After each replacement the roll waits for the new
 * member to be healthy, its API server ready and the quorum whole before the next.
 *
 * `--force-unhealthy` starts anyway, with a warning that names the risk; the unhealthy members'
 * instances are then replaced first (replacing a healthy one first would be the loss of quorum),
 * and problems that were there before the roll do not hold it up. With `--cloudonly` there is no
 * API: the guard sees only the cloud (every control-plane group has its instances InService), says
 * so, and after each replacement waits only for the group to be whole again.
 */
import type {KubeClient} from '../kube/client.js'
import {poll} from '../kube/wait.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {type EtcdHealth, healthProblems, memberHealth, quorumText, readEtcdHealth} from './etcd-health.js'
import type {GroupInfo} from './inventory.js'

export interface GuardReport {
  /** `api`: quorum and members read through the API; `cloud`: only the groups (--cloudonly). */
  source: 'api' | 'cloud'
  /** What the guard could not check, said to the operator. */
  note?: string
  problems: string[]
  /** Started despite problems (--force-unhealthy). */
  forced: boolean
  /** Instances whose members were unhealthy at the start: replaced first. */
  unhealthy: string[]
}

export interface GuardOptions {
  cluster: string
  /** undefined: --cloudonly */
  kube: KubeClient | undefined
  forceUnhealthy: boolean
  logger: Logger
}

export const CLOUDONLY_NOTE =
  'etcd health not checked: --cloudonly reads no Kubernetes API, so neither the quorum nor any ' +
  "member's health can be seen; the guard checks only that every control-plane group has its " +
  'instances InService, and after each replacement waits only for the group to be whole again'

async function read(kube: KubeClient | undefined, groups: readonly GroupInfo[]): Promise<EtcdHealth> {
  if (kube) return readEtcdHealth(kube, groups)
  return {
    quorum: {ok: true, detail: 'not checked (--cloudonly)'},
    members: memberHealth(groups, [], undefined),
  }
}

/** Check before the first control-plane replacement; throws unless healthy or forced. */
export async function guardControlPlane(groups: readonly GroupInfo[], o: GuardOptions): Promise<GuardReport> {
  const health = await read(o.kube, groups)
  const problems = healthProblems(health)
  const report: GuardReport = {
    source: o.kube ? 'api' : 'cloud',
    ...(o.kube ? {} : {note: CLOUDONLY_NOTE}),
    problems,
    forced: false,
    unhealthy: health.members.filter((m) => !m.healthy && m.instance !== '(missing)').map((m) => m.instance),
  }
  if (report.note) o.logger.warn(report.note)
  if (problems.length === 0) {
    o.logger.info(
      `etcd: ${health.members.length} control-plane members healthy${o.kube ? `, ${health.quorum.detail}` : ' (instances InService)'}`,
    )
    return report
  }
  const risk =
    `replacing a control-plane instance while a member is unhealthy can lose etcd quorum ` +
    `(${quorumText(health.members.length)}): etcd then refuses every write and the API server stops with it`
  const lines = problems.map((p) => `  ${p}`).join('\n')
  if (!o.forceUnhealthy) {
    throw new KforgeError(
      `etcd of cluster ${o.cluster} is not healthy, so the rolling update did not start:\n${lines}\n${risk}.\n` +
        'Fix the member first (or restore from a backup: kforge get backups, kforge restore cluster), ' +
        'or pass --force-unhealthy to replace it anyway, the unhealthy members first',
    )
  }
  o.logger.warn(
    `etcd of cluster ${o.cluster} is not healthy:\n${lines}\n--force-unhealthy: rolling anyway, the unhealthy members' instances first. RISK: ${risk}`,
  )
  return {...report, forced: true}
}

/**
 * After a control-plane replacement: wait until the quorum answers and every member is healthy
 * (the new one included), ignoring problems `baseline` already had when the roll was forced.
 */
export async function waitForMembers(
  readGroups: () => Promise<readonly GroupInfo[]>,
  kube: KubeClient,
  o: {timeoutMs: number; intervalMs?: number; baseline: readonly string[]; logger: Logger},
): Promise<void> {
  let last: string[] = []
  try {
    await poll(
      async () => {
        const h = await readEtcdHealth(kube, await readGroups())
        last = healthProblems(h).filter((p) => !o.baseline.includes(p))
        if (last.length === 0) return true
        o.logger.info(
          `  waiting for etcd: ${last[0]}${last.length > 1 ? ` (and ${last.length - 1} more)` : ''}`,
        )
        return undefined
      },
      {
        what: 'the new etcd member to be healthy',
        timeoutMs: o.timeoutMs,
        intervalMs: o.intervalMs ?? 5000,
      },
    )
  } catch (err) {
    throw new KforgeError(
      `etcd did not become healthy after the replacement: ${last.join('; ') || (err as Error).message}`,
    )
  }
}
