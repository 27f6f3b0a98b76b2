/**
 * The cluster's CloudFormation stack: its name (derived like every other AWS name, so two
 * clusters never share one), how it is found and proven to be this cluster's, and waiting for an
 * operation on it to end with progress from its events.
 */
import type {CloudFormationClient, Stack} from '@aws-sdk/client-cloudformation'
import {KforgeError} from '../../../util/errors.js'
import {awsNames} from '../build/names.js'
import {awsErrorCode} from '../model/errors.js'
import {poll} from '../model/wait.js'
import {clusterTagKey} from '../tags.js'
import {type EventTail, eventLine} from './events.js'

export function stackName(cluster: string): string {
  return awsNames.cloudFormationStack(cluster)
}

/**
 * The stack's own tags: the ownership tags every resource of the cluster already carries.
 * CloudFormation copies stack tags onto the resources it makes, so these (and only these) add
 * nothing the direct target would not have set.
 */
export function stackTags(cluster: string): {Key: string; Value: string}[] {
  return [
    {Key: 'KubernetesCluster', Value: cluster},
    {Key: clusterTagKey(cluster), Value: 'owned'},
  ]
}

export function isStackOwned(stack: Stack, cluster: string): boolean {
  const tags = new Map((stack.Tags ?? []).map((t) => [t.Key, t.Value]))
  return tags.get(clusterTagKey(cluster)) === 'owned' && tags.get('KubernetesCluster') === cluster
}

/** The stack by name, or undefined when there is none (deleted stacks are not found by name). */
export async function findStack(cfn: CloudFormationClient, name: string): Promise<Stack | undefined> {
  const {DescribeStacksCommand} = await import('@aws-sdk/client-cloudformation')
  try {
    const out = await cfn.send(new DescribeStacksCommand({StackName: name}))
    const stack = out.Stacks?.[0]
    return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined
  } catch (err) {
    // CloudFormation answers a missing stack with a ValidationError naming it.
    if (awsErrorCode(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) {
      return undefined
    }
    throw err
  }
}

/** The cluster's stack, refused when a stack of that name is not tagged as this cluster's. */
export async function findClusterStack(
  cfn: CloudFormationClient,
  cluster: string,
): Promise<Stack | undefined> {
  const name = stackName(cluster)
  const stack = await findStack(cfn, name)
  if (stack && !isStackOwned(stack, cluster)) {
    throw new KforgeError(
      `CloudFormation stack ${name} exists but is not tagged ${clusterTagKey(cluster)}=owned and ` +
        `KubernetesCluster=${cluster}: kforge will not change or delete a stack it cannot prove is this cluster's`,
    )
  }
  return stack
}

/** Stacks whose first deploy never finished: no resources, and no way to update them. */
export const LEFTOVER_STATUSES: readonly string[] = ['REVIEW_IN_PROGRESS', 'ROLLBACK_COMPLETE']

/**
 * A direct apply to a cluster that lives in its stack would change the stack's resources behind
 * its back: drift that CloudFormation undoes, or fails on, at the next stack update.
 */
export async function refuseIfDeployedAsStack(cfn: CloudFormationClient, cluster: string): Promise<void> {
  const stack = await findClusterStack(cfn, cluster)
  if (!stack || LEFTOVER_STATUSES.includes(stack.StackStatus ?? '')) return
  throw new KforgeError(
    `cluster ${cluster} is deployed as CloudFormation stack ${stack.StackName} (${stack.StackStatus}): ` +
      "apply changes with --target cloudformation; a direct apply would change the stack's resources " +
      'behind its back (without --yes, the direct plan shows how they differ from the spec)',
  )
}

/** How an operation on a stack ended, from the stack's status. */
export type Outcome = 'done' | 'failed' | 'running'

const SUCCEEDED: Record<string, readonly string[]> = {
  create: ['CREATE_COMPLETE'],
  update: ['UPDATE_COMPLETE'],
  delete: ['DELETE_COMPLETE'],
}

export type Operation = keyof typeof SUCCEEDED

export function outcome(operation: Operation, status: string): Outcome {
  if (SUCCEEDED[operation]!.includes(status)) return 'done'
  // REVIEW_IN_PROGRESS is where a stack waits for its first change set to be executed.
  if (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS') return 'running'
  return 'failed'
}

export interface WaitOptions {
  progress: (line: string) => void
  /** Default: 60 minutes (CloudFormation's own default timeout for a stack is none). */
  timeoutMs?: number
}

/**
 * Waits for the operation begun after `tail.mark()` to end, printing each new event. A failure
 * throws, naming every resource that failed and CloudFormation's reason for it.
 */
export async function waitForStack(
  cfn: CloudFormationClient,
  stackId: string,
  operation: Operation,
  tail: EventTail,
  options: WaitOptions,
): Promise<Stack> {
  const {DescribeStacksCommand} = await import('@aws-sdk/client-cloudformation')
  const stack = await poll(
    async (check) => {
      for (const e of await tail.next()) options.progress(`  ${eventLine(e)}`)
      const s = (await cfn.send(new DescribeStacksCommand({StackName: stackId}))).Stacks?.[0]
      if (!s)
        throw new KforgeError(
          `CloudFormation stack ${stackId} disappeared while waiting for its ${operation}`,
        )
      check.state(s.StackStatus ?? '')
      return outcome(operation, s.StackStatus ?? '') === 'running' ? undefined : s
    },
    {
      what: `CloudFormation stack ${stackId} to finish its ${operation}`,
      timeoutMs: options.timeoutMs ?? 3_600_000,
      progress: options.progress,
    },
  )
  // Events written between the last read and the final status.
  for (const e of await tail.next()) options.progress(`  ${eventLine(e)}`)
  if (outcome(operation, stack.StackStatus ?? '') === 'failed') {
    const failures = tail.failures()
    const why = stack.StackStatusReason ? ` (${stack.StackStatusReason})` : ''
    throw new KforgeError(
      `CloudFormation stack ${stack.StackName} ${operation} failed: ${stack.StackStatus}${why}` +
        (failures.length > 0
          ? `\nfailed resources:\n${failures.map((f) => `  ${f}`).join('\n')}`
          : '\n(no resource reported a failure in the stack events)'),
    )
  }
  return stack
}
