/**
 * Deploying the cluster's template as its CloudFormation stack: plan (always printed), and with
 * `yes` create or update the stack through a change set, with progress from the stack's events,
 * waiting until CloudFormation is done.
 *
 * Nothing is created in AWS without `yes`: a new stack is planned from the model (a CREATE change
 * set would leave a REVIEW_IN_PROGRESS stack behind); an existing one through a change set that
 * is deleted again once read. Leftovers of an earlier failed first deploy (REVIEW_IN_PROGRESS, or
 * ROLLBACK_COMPLETE after a failed create) hold no resources and cannot be updated: applying
 * deletes them and creates the stack anew.
 */
import type {Change, CloudFormationClient, Stack} from '@aws-sdk/client-cloudformation'
import {parse} from 'yaml'
import type {StateStore} from '../../../state/store.js'
import {KforgeError} from '../../../util/errors.js'
import type {AwsClients} from '../clients.js'
import type {Plan} from '../direct/plan.js'
import {formatPlan, type PlanData, planData} from '../direct/print.js'
import type {Model} from '../model/types.js'
import {clusterTagKey} from '../tags.js'
import {
  type ChangeSetType,
  changeSetName,
  createChangeSet,
  deleteChangeSet,
  executeChangeSet,
} from './changeset.js'
import {removeStack} from './delete.js'
import {EventTail} from './events.js'
import {findClusterStack, LEFTOVER_STATUSES, stackName, stackTags, waitForStack} from './stack.js'
import {planNewStack, planStackUpdate, templateChanges} from './stack-plan.js'
import type {CfnTemplate} from './template.js'
import {placeTemplate} from './upload.js'

export interface StackDeployOptions {
  aws: AwsClients
  model: Model
  template: CfnTemplate
  /** The template as deployed (JSON), byte for byte what `export cloudformation` writes. */
  text: string
  /** Where a template over the inline limit is put for CloudFormation to read (S3 stores only). */
  store?: StateStore
  yes: boolean
  progress: (line: string) => void
  /** Called with the plan before anything is applied (the command prints it). */
  onPlan?: (text: string, data: PlanData) => void
}

export interface StackDeployResult {
  stack: string
  /** What applying does (did): create the stack, update it, or nothing. */
  operation: 'create' | 'update' | 'none'
  plan: PlanData
  changes: boolean
  applied: boolean
  /** The stack's status at the end (absent when there is no stack). */
  status?: string
  /** Set when the template went to CloudFormation by S3 URL. */
  templateUrl?: string
}

const UPDATABLE = [
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]

function refuseUnlessUpdatable(stack: Stack): void {
  const status = stack.StackStatus ?? ''
  if (UPDATABLE.includes(status)) return
  const why = status.endsWith('_IN_PROGRESS')
    ? 'another operation on it is still running; wait for it to finish and run this again'
    : status === 'UPDATE_ROLLBACK_FAILED'
      ? 'CloudFormation could not roll back its last update: fix the resource its events name, then ' +
        '`aws cloudformation continue-update-rollback`, and run this again'
      : 'it cannot be updated in this state; `kforge delete cluster` removes it'
  throw new KforgeError(`CloudFormation stack ${stack.StackName} is ${status}: ${why}`)
}

async function currentTemplate(cfn: CloudFormationClient, stackId: string): Promise<CfnTemplate> {
  const {GetTemplateCommand} = await import('@aws-sdk/client-cloudformation')
  const out = await cfn.send(new GetTemplateCommand({StackName: stackId, TemplateStage: 'Original'}))
  // YAML is a superset of JSON: a stack someone deployed from the YAML export reads the same.
  return parse(out.TemplateBody ?? '{}') as CfnTemplate
}

/** The change set CloudFormation would make, worked out from the two templates (no AWS call). */
function templateDiff(current: CfnTemplate, template: CfnTemplate): Change[] {
  const ids = new Set([...Object.keys(current.Resources ?? {}), ...Object.keys(template.Resources)])
  const out: Change[] = []
  for (const id of ids) {
    const before = current.Resources?.[id]
    const after = template.Resources[id]
    const action = !before
      ? 'Add'
      : !after
        ? 'Remove'
        : templateChanges(before, after).length > 0
          ? 'Modify'
          : ''
    if (!action) continue
    out.push({
      Type: 'Resource',
      ResourceChange: {Action: action, LogicalResourceId: id, ResourceType: (after ?? before)!.Type},
    })
  }
  return out
}

/**
 * The cluster's launch templates the direct target made: a stack cannot take over resources it
 * did not make (its creates would collide with their names), so a new stack is refused while
 * they exist. Launch templates stand for the rest: every cluster has them, and one read finds them.
 */
async function madeDirectly(aws: AwsClients, cluster: string): Promise<string[]> {
  const {DescribeLaunchTemplatesCommand} = await import('@aws-sdk/client-ec2')
  const out = await (await aws.ec2()).send(
    new DescribeLaunchTemplatesCommand({
      Filters: [{Name: `tag:${clusterTagKey(cluster)}`, Values: ['owned']}],
    }),
  )
  return (out.LaunchTemplates ?? []).map((t) => t.LaunchTemplateName ?? t.LaunchTemplateId ?? '')
}

async function execute(
  cfn: CloudFormationClient,
  options: StackDeployOptions,
  type: ChangeSetType,
  made: {id: string; stackId: string},
): Promise<Stack> {
  const tail = new EventTail(cfn, made.stackId)
  await tail.mark()
  options.progress(`Executing change set on CloudFormation stack ${made.stackId}`)
  try {
    await executeChangeSet(cfn, made.id, made.stackId)
  } catch (err) {
    throw new KforgeError(`executing the change set of stack ${made.stackId}: ${(err as Error).message}`, {
      cause: err,
    })
  }
  return waitForStack(cfn, made.stackId, type === 'CREATE' ? 'create' : 'update', tail, {
    progress: options.progress,
  })
}

export async function deployStack(cluster: string, options: StackDeployOptions): Promise<StackDeployResult> {
  const cfn = await options.aws.cloudFormation()
  const name = stackName(cluster)
  const found = await findClusterStack(cfn, cluster)
  const say = (plan: Plan, note?: string) => {
    const data = planData(plan)
    options.onPlan?.(`CloudFormation stack ${name}${note ? ` (${note})` : ''}:\n${formatPlan(plan)}`, data)
    return data
  }

  if (!found || LEFTOVER_STATUSES.includes(found.StackStatus ?? '')) {
    const planned = planNewStack(options.model, options.template)
    const direct = await madeDirectly(options.aws, cluster)
    if (direct.length > 0) {
      planned.refused.push({
        phase: 'cluster',
        message:
          `${cluster} already has resources the direct target made (launch templates ${direct.join(', ')}), ` +
          'which a stack cannot take over: keep using --target direct, or delete them first ' +
          `(kforge delete cluster ${cluster} --yes --keep-state) and deploy the stack`,
      })
    }
    const plan = say(
      planned,
      found ? `${found.StackStatus} from a first deploy that never finished: replaced` : 'new',
    )
    if (!options.yes) return {stack: name, operation: 'create', plan, changes: true, applied: false}
    if (plan.refused.length > 0) {
      throw new KforgeError(`the plan cannot be applied:\n${plan.refused.map((r) => `  ${r}`).join('\n')}`)
    }
    if (found) await removeStack(cfn, found, options.progress)
    const placed = await placeTemplate(options.text, cluster, options.store)
    const made = await createChangeSet(cfn, {
      stackName: name,
      type: 'CREATE',
      template: placed.source,
      tags: stackTags(cluster),
      name: changeSetName(),
    })
    const done = await execute(cfn, options, 'CREATE', made)
    return {
      stack: name,
      operation: 'create',
      plan,
      changes: true,
      applied: true,
      status: done.StackStatus!,
      ...(placed.url ? {templateUrl: placed.url} : {}),
    }
  }

  refuseUnlessUpdatable(found)
  const current = await currentTemplate(cfn, found.StackId!)
  // A plan writes nothing anywhere: a template that must go by URL is compared locally instead.
  const inline = Buffer.byteLength(options.text) <= 51_200
  if (!options.yes && !inline) {
    const changes = templateDiff(current, options.template)
    const plan = say(
      planStackUpdate(options.model, options.template, current, changes),
      'planned from its template: a change set would need this one uploaded first',
    )
    const any = changes.length > 0
    return {
      stack: name,
      operation: any ? 'update' : 'none',
      plan,
      changes: any,
      applied: false,
      status: found.StackStatus!,
    }
  }
  const placed = await placeTemplate(options.text, cluster, options.store)
  const made = await createChangeSet(cfn, {
    // By name: the emulator finds an UPDATE change set's stack only by name (AWS takes either).
    stackName: name,
    type: 'UPDATE',
    template: placed.source,
    tags: stackTags(cluster),
    name: changeSetName(),
  })
  const plan = say(
    planStackUpdate(options.model, options.template, current, made.changes),
    made.hasChanges && made.changes.length === 0 ? 'only its outputs or tags change' : undefined,
  )
  const url = placed.url ? {templateUrl: placed.url} : {}
  if (options.yes && plan.refused.length > 0) {
    await deleteChangeSet(cfn, made.id, made.stackId)
    throw new KforgeError(`the plan cannot be applied:\n${plan.refused.map((r) => `  ${r}`).join('\n')}`)
  }
  if (!made.hasChanges) {
    return {
      stack: name,
      operation: 'none',
      plan,
      changes: false,
      applied: false,
      status: found.StackStatus!,
      ...url,
    }
  }
  if (!options.yes) {
    await deleteChangeSet(cfn, made.id, made.stackId)
    return {
      stack: name,
      operation: 'update',
      plan,
      changes: true,
      applied: false,
      status: found.StackStatus!,
      ...url,
    }
  }
  const done = await execute(cfn, options, 'UPDATE', made)
  return {
    stack: name,
    operation: 'update',
    plan,
    changes: true,
    applied: true,
    status: done.StackStatus!,
    ...url,
  }
}
