/**
 * `kforge update cluster` (and `create cluster --yes`): plan, print, and with --yes apply in the
 * provisioner's phases — prerequisites, network, security, cluster — each a workflow phase so
 * `--phase network` limits the apply as kops's does. One plan, made before anything is applied,
 * walked one way: what a phase makes (ids, the prerequisites' user-data) reaches later phases
 * through the apply state, never by planning an earlier phase again. Prunes (resources the spec
 * no longer has) run at the end of the last selected phase, after everything that might still
 * use them has been changed.
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {type ApplyResult, type ApplyState, applyPlan, newApplyState} from '../../cloud/aws/direct/apply.js'
import {planForPhases, planHasChanges} from '../../cloud/aws/direct/plan.js'
import {formatPlan, type PlanData, planData} from '../../cloud/aws/direct/print.js'
import {loggerProgress} from '../../cloud/aws/direct/progress.js'
import {PHASES, type PhaseName} from '../../cloud/aws/model/types.js'
import {KforgeError} from '../../util/errors.js'
import {type Logger, silentLogger} from '../../util/logger.js'
import {type Phase, type PhaseReporter, Workflow} from '../workflow.js'
import {type ClusterPlan, type ModelOptions, planCluster} from './plan.js'

interface UpdateData extends ClusterPlan {
  state: ApplyState
  phases: readonly PhaseName[]
  progress: (line: string) => void
  concurrency: number
  result: ApplyResult
}

const SHORT: Record<PhaseName, string> = {
  prerequisites: 'cluster KMS key and alias; secrets, node agent and user-data in the state store',
  network: 'VPC, subnets, gateways and routes',
  security: 'security groups, IAM roles and profiles, key pair',
  cluster: 'launch templates, auto-scaling groups, API load balancer, DNS records',
}

function applyPhase(name: PhaseName): Phase<UpdateData> {
  return {
    name,
    short: SHORT[name],
    async run(data, ctx) {
      if (ctx.dryRun) return
      const last = data.phases.at(-1) === name
      const r = await applyPlan(data.plan, data.ctx, {
        phases: [name],
        state: data.state,
        progress: data.progress,
        concurrency: data.concurrency,
        prunePhases: last ? data.phases : [],
      })
      data.result.created += r.created
      data.result.updated += r.updated
      data.result.deleted += r.deleted
    },
  }
}

export const updateWorkflow = new Workflow<UpdateData>('update cluster', PHASES.map(applyPhase))

export interface UpdateOptions extends ModelOptions {
  aws: AwsClients
  /** Apply; without it only the plan is computed. */
  yes?: boolean
  /** `--phase`: one of prerequisites, network, security, cluster. Default: all */
  phase?: string
  logger?: Logger
  reporter?: PhaseReporter
  /** Default: 8 */
  concurrency?: number
  /** Called with the plan before anything is applied (the command prints it). */
  onPlan?: (text: string, data: PlanData) => void
}

export interface UpdateResult {
  plan: PlanData
  applied: boolean
  changes: boolean
  result: ApplyResult
}

export async function updateCluster(cluster: Cluster, options: UpdateOptions): Promise<UpdateResult> {
  const logger = options.logger ?? silentLogger
  const phases: readonly PhaseName[] = options.phase ? [resolvePhase(options.phase)] : PHASES
  const planned = await planCluster(cluster, options.aws, {
    logger,
    ...(options.userData ? {userData: options.userData} : {}),
    ...(options.stateStore ? {stateStore: options.stateStore} : {}),
    ...(options.storeObjects ? {storeObjects: options.storeObjects} : {}),
  })
  const scoped = planForPhases(planned.plan, phases)
  const data = planData(scoped)
  options.onPlan?.(formatPlan(scoped), data)
  const changes = planHasChanges(scoped)
  const result: ApplyResult = {created: 0, updated: 0, deleted: 0}
  if (!options.yes || !changes) {
    if (scoped.refused.length > 0 && options.yes) {
      throw new KforgeError(
        `the plan cannot be applied:\n${scoped.refused.map((r) => `  ${r.message}`).join('\n')}`,
      )
    }
    return {plan: data, applied: false, changes, result}
  }
  const run: UpdateData = {
    ...planned,
    state: newApplyState(planned.plan),
    phases,
    progress: loggerProgress(logger),
    concurrency: options.concurrency ?? 8,
    result,
  }
  await updateWorkflow.run(() => run, {
    logger,
    ...(options.phase ? {only: phases[0]} : {}),
    ...(options.reporter ? {reporter: options.reporter} : {}),
  })
  return {plan: data, applied: true, changes, result}
}

export function resolvePhase(name: string): PhaseName {
  const phase = PHASES.find((p) => p === name)
  if (!phase) throw new KforgeError(`--phase ${name}: expected one of ${PHASES.join(', ')}`)
  return phase
}
