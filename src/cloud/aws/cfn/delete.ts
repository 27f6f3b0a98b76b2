/**
 * `delete cluster` for a cluster deployed as a stack: the stack goes first, through CloudFormation
 * (which knows its own order and waits for each resource), and what it never owned — what
 * Kubernetes made, what was made directly before the stack — is left for the direct delete, which
 * finds it by tag afterwards.
 */
import type {CloudFormationClient, Stack} from '@aws-sdk/client-cloudformation'
import {KforgeError} from '../../../util/errors.js'
import {EventTail} from './events.js'
import {waitForStack} from './stack.js'

export interface StackResource {
  logicalId: string
  physicalId: string
  type: string
  status: string
}

/** Every resource the stack holds (all pages). */
export async function listStackResources(
  cfn: CloudFormationClient,
  stackId: string,
): Promise<StackResource[]> {
  const {ListStackResourcesCommand} = await import('@aws-sdk/client-cloudformation')
  const out: StackResource[] = []
  let token: string | undefined
  do {
    const page = await cfn.send(
      new ListStackResourcesCommand({StackName: stackId, ...(token ? {NextToken: token} : {})}),
    )
    for (const r of page.StackResourceSummaries ?? []) {
      out.push({
        logicalId: r.LogicalResourceId ?? '',
        physicalId: r.PhysicalResourceId ?? '',
        type: r.ResourceType ?? '',
        status: r.ResourceStatus ?? '',
      })
    }
    token = page.NextToken
  } while (token)
  return out
}

/** `Vpc vpc-0abc (AWS::EC2::VPC)`: how delete lists what goes with the stack. */
export function stackResourceLabel(r: StackResource): string {
  return `${r.logicalId} ${r.physicalId || '(not created)'} (${r.type})`
}

/**
 * Deletes the stack and waits, showing its events. A failure names each resource CloudFormation
 * could not delete and its reason; running delete again retries the stack.
 */
export async function removeStack(
  cfn: CloudFormationClient,
  stack: Stack,
  progress: (line: string) => void,
): Promise<void> {
  const {DeleteStackCommand} = await import('@aws-sdk/client-cloudformation')
  const tail = new EventTail(cfn, stack.StackId!)
  await tail.mark()
  progress(`Deleting CloudFormation stack ${stack.StackName} (${stack.StackStatus})`)
  try {
    await cfn.send(new DeleteStackCommand({StackName: stack.StackId!}))
  } catch (err) {
    throw new KforgeError(`deleting CloudFormation stack ${stack.StackName}: ${(err as Error).message}`, {
      cause: err,
    })
  }
  await waitForStack(cfn, stack.StackId!, 'delete', tail, {progress})
}
