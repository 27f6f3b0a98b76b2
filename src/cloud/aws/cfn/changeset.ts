/**
 * Change sets: CloudFormation's own plan. Made, waited for until CloudFormation has worked out
 * the changes, read (all pages), and deleted when only planning. A change set that finds nothing
 * to change ends FAILED with a reason saying so: that is "no changes", not an error.
 */
import type {
  Capability,
  Change,
  CloudFormationClient,
  DescribeChangeSetOutput,
} from '@aws-sdk/client-cloudformation'
import {KforgeError} from '../../../util/errors.js'
import {poll} from '../model/wait.js'

export type ChangeSetType = 'CREATE' | 'UPDATE'

/** Named roles, instance profiles and policies: the stack makes IAM resources with fixed names. */
export const CAPABILITIES: Capability[] = ['CAPABILITY_NAMED_IAM']

/** Where the template comes from: inline under 51,200 bytes, else an S3 URL. */
export type TemplateSource = {TemplateBody: string} | {TemplateURL: string}

export interface ChangeSetRequest {
  stackName: string
  type: ChangeSetType
  template: TemplateSource
  tags: {Key: string; Value: string}[]
  /** Unique per run: a change set name is unique within its stack. */
  name: string
}

export interface ChangeSetResult {
  id: string
  stackId: string
  /** Every change, all pages; empty when CloudFormation found nothing to change. */
  changes: Change[]
  /**
   * False when CloudFormation found nothing to change (the change set is then already deleted).
   * True with no `changes` when only the stack's outputs or tags change.
   */
  hasChanges: boolean
}

/** CloudFormation's words for a change set with nothing in it (they have changed over the years). */
export function isNoChangesReason(reason: string | undefined): boolean {
  return /didn't contain changes|No updates are to be performed/i.test(reason ?? '')
}

/** `kforge-20261202t013512z`: a valid change set name (a letter first, then letters, digits, -). */
export function changeSetName(now: Date = new Date()): string {
  return `kforge-${now
    .toISOString()
    .replace(/[-:]|\.\d+/g, '')
    .toLowerCase()}`
}

export async function createChangeSet(
  cfn: CloudFormationClient,
  request: ChangeSetRequest,
): Promise<ChangeSetResult> {
  const {CreateChangeSetCommand, DescribeChangeSetCommand} = await import('@aws-sdk/client-cloudformation')
  const made = await cfn.send(
    new CreateChangeSetCommand({
      StackName: request.stackName,
      ChangeSetName: request.name,
      ChangeSetType: request.type,
      ...request.template,
      Capabilities: CAPABILITIES,
      Tags: request.tags,
      Description: `kforge update cluster (${request.type.toLowerCase()})`,
    }),
  )
  const id = made.Id!
  const stackId = made.StackId!
  const first = await poll(
    async (check) => {
      const out = await cfn.send(
        new DescribeChangeSetCommand({ChangeSetName: id, StackName: stackId, IncludePropertyValues: true}),
      )
      check.state(out.Status ?? '')
      return out.Status === 'CREATE_PENDING' || out.Status === 'CREATE_IN_PROGRESS' ? undefined : out
    },
    {what: `change set ${request.name} of stack ${request.stackName} to be ready`},
  )
  if (first.Status === 'FAILED') {
    if (isNoChangesReason(first.StatusReason)) {
      await deleteChangeSet(cfn, id, stackId)
      return {id, stackId, changes: [], hasChanges: false}
    }
    await deleteChangeSet(cfn, id, stackId)
    throw new KforgeError(
      `CloudFormation refused the change set for stack ${request.stackName}: ${first.StatusReason ?? first.Status}`,
    )
  }
  return {id, stackId, changes: await allChanges(cfn, first, id, stackId), hasChanges: true}
}

async function allChanges(
  cfn: CloudFormationClient,
  first: DescribeChangeSetOutput,
  id: string,
  stackId: string,
): Promise<Change[]> {
  const {DescribeChangeSetCommand} = await import('@aws-sdk/client-cloudformation')
  const changes = [...(first.Changes ?? [])]
  let token = first.NextToken
  while (token) {
    const page = await cfn.send(
      new DescribeChangeSetCommand({
        ChangeSetName: id,
        StackName: stackId,
        NextToken: token,
        IncludePropertyValues: true,
      }),
    )
    changes.push(...(page.Changes ?? []))
    token = page.NextToken
  }
  return changes
}

export async function deleteChangeSet(cfn: CloudFormationClient, id: string, stackId: string): Promise<void> {
  const {DeleteChangeSetCommand} = await import('@aws-sdk/client-cloudformation')
  await cfn.send(new DeleteChangeSetCommand({ChangeSetName: id, StackName: stackId}))
}

export async function executeChangeSet(
  cfn: CloudFormationClient,
  id: string,
  stackId: string,
): Promise<void> {
  const {ExecuteChangeSetCommand} = await import('@aws-sdk/client-cloudformation')
  await cfn.send(new ExecuteChangeSetCommand({ChangeSetName: id, StackName: stackId}))
}
