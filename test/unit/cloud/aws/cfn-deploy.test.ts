/**
 * Deploying a stack against CloudFormation's recorded answers: what the emulator cannot show —
 * per-resource events, a failed update rolled back, a change set with nothing in it — and that
 * nothing is created without --yes.
 */
import type {CloudFormationClient, ResourceStatus, StackEvent} from '@aws-sdk/client-cloudformation'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {changeSetName, isNoChangesReason} from '../../../../src/cloud/aws/cfn/changeset.js'
import {deployStack} from '../../../../src/cloud/aws/cfn/deploy.js'
import {outcome, stackName, stackTags} from '../../../../src/cloud/aws/cfn/stack.js'
import {templateChanges} from '../../../../src/cloud/aws/cfn/stack-plan.js'
import {renderTemplate, serializeTemplate} from '../../../../src/cloud/aws/cfn/template.js'
import {placeTemplate, s3ObjectUrl, templateKey} from '../../../../src/cloud/aws/cfn/upload.js'
import type {AwsClients} from '../../../../src/cloud/aws/clients.js'
import type {StateStore} from '../../../../src/state/store.js'
import {publicSingleCluster} from '../../../fixtures/cloud/clusters.js'

beforeAll(() => {
  process.env.KFORGE_POLL_MS = '1'
})

const cluster = publicSingleCluster('unit.cfn-deploy.example.com')
const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = buildModel(cluster, {images: new Map(cluster.instanceGroups.map((g) => [g.name, image]))})
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
// What the prerequisites phase made before the stack: the key, and each group's user-data.
const template = renderTemplate(model, {
  literals: new Map([
    ['kms-key', {id: KEY.split('/')[1]!, arn: KEY}],
    [
      'state-store-objects',
      Object.fromEntries(
        cluster.instanceGroups.map((g) => [
          `userData:${g.name}`,
          Buffer.from(`#cloud-config\n# ${g.name}\n`).toString('base64'),
        ]),
      ),
    ],
  ]),
})
const text = serializeTemplate(template, 'json')
const name = stackName(cluster.name)
const stackId = `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/1`

/** The same template with the node group at 1..1 (the stack as it is; the spec says 2..2). */
function currentTemplate(): string {
  const t = JSON.parse(text) as typeof template
  const asg = t.Resources.AsgNodes!.Properties
  asg.MinSize = '1'
  asg.MaxSize = '1'
  asg.DesiredCapacity = '1'
  return JSON.stringify(t)
}

type Answer = (input: Record<string, unknown>) => unknown

/** A CloudFormation client that answers each command from a script and records every call. */
function fake(script: Record<string, Answer | Answer[]>, launchTemplates: string[] = []) {
  const calls: {command: string; input: Record<string, unknown>}[] = []
  const client = {
    async send(cmd: {constructor: {name: string}; input: Record<string, unknown>}) {
      const command = cmd.constructor.name.replace(/Command$/, '')
      calls.push({command, input: cmd.input})
      const answer = script[command]
      if (!answer) throw new Error(`unexpected ${command}`)
      const next = Array.isArray(answer) ? (answer.length > 1 ? answer.shift()! : answer[0]!) : answer
      return next(cmd.input)
    },
  }
  // EC2 answers only the check for launch templates the direct target made.
  const ec2 = {
    send: async () => ({
      LaunchTemplates: launchTemplates.map((LaunchTemplateName) => ({LaunchTemplateName})),
    }),
  }
  const aws = {
    cloudFormation: async () => client as unknown as CloudFormationClient,
    ec2: async () => ec2,
  } as unknown as AwsClients
  return {aws, calls, names: () => calls.map((c) => c.command)}
}

const stack =
  (status: string, tags = stackTags(cluster.name)) =>
  () => ({
    Stacks: [{StackName: name, StackId: stackId, StackStatus: status, Tags: tags}],
  })
const event = (
  id: string,
  logical: string,
  type: string,
  status: ResourceStatus,
  reason?: string,
): StackEvent => ({
  EventId: id,
  StackId: stackId,
  StackName: name,
  LogicalResourceId: logical,
  ResourceType: type,
  ResourceStatus: status,
  ...(reason ? {ResourceStatusReason: reason} : {}),
  Timestamp: new Date(0),
})
const old = event('e0', name, 'AWS::CloudFormation::Stack', 'CREATE_COMPLETE')
const changeSet = {Id: 'arn:cs/1', StackId: stackId}
/** A change set, ready to execute, that modifies one resource in place. */
const modifyInPlace = (logicalId: string, type: string) => ({
  Status: 'CREATE_COMPLETE',
  ExecutionStatus: 'AVAILABLE',
  Changes: [
    {
      Type: 'Resource',
      ResourceChange: {
        Action: 'Modify',
        LogicalResourceId: logicalId,
        ResourceType: type,
        Replacement: 'False',
      },
    },
  ],
})
const modifyAsg = modifyInPlace('AsgNodes', 'AWS::AutoScaling::AutoScalingGroup')

function deploy(aws: AwsClients, yes: boolean, lines: string[] = [], plans: string[] = []) {
  return deployStack(cluster.name, {
    aws,
    model,
    template,
    text,
    yes,
    progress: (l) => lines.push(l),
    onPlan: (p) => plans.push(p),
  })
}

describe('deployStack', () => {
  it('plans a new stack from the model without a single call that creates anything', async () => {
    const cfn = fake({
      DescribeStacks: () => {
        throw Object.assign(new Error(`Stack with id ${name} does not exist`), {name: 'ValidationError'})
      },
    })
    const plans: string[] = []
    const r = await deploy(cfn.aws, false, [], plans)
    expect(cfn.names()).toEqual(['DescribeStacks'])
    expect(r).toMatchObject({operation: 'create', changes: true, applied: false})
    expect(plans[0]).toContain(
      `CloudFormation stack ${name} (new):\nWill create:\n  + Vpc vpc: 10.0.0.0/16\n`,
    )
    expect(r.plan.create.length).toBe(Object.keys(template.Resources).length)
  })

  it('plans an update from a change set, prints it field by field, and deletes the change set', async () => {
    const cfn = fake({
      DescribeStacks: stack('UPDATE_COMPLETE'),
      GetTemplate: () => ({TemplateBody: currentTemplate()}),
      CreateChangeSet: () => changeSet,
      DescribeChangeSet: [() => ({Status: 'CREATE_IN_PROGRESS'}), () => modifyAsg],
      DeleteChangeSet: () => ({}),
    })
    const plans: string[] = []
    const r = await deploy(cfn.aws, false, [], plans)
    expect(cfn.names()).not.toContain('ExecuteChangeSet')
    expect(cfn.calls.find((c) => c.command === 'DeleteChangeSet')?.input).toEqual({
      ChangeSetName: 'arn:cs/1',
      StackName: stackId,
    })
    const create = cfn.calls.find((c) => c.command === 'CreateChangeSet')!.input
    expect(create).toMatchObject({
      StackName: name,
      ChangeSetType: 'UPDATE',
      TemplateBody: text,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Tags: stackTags(cluster.name),
    })
    expect(plans[0]).toContain(
      'Will modify:\n  ~ AutoScalingGroup asg-nodes: 2..2 instances\n      DesiredCapacity: 1 -> 2\n      MaxSize: 1 -> 2\n      MinSize: 1 -> 2\n',
    )
    expect(r).toMatchObject({operation: 'update', changes: true, applied: false, status: 'UPDATE_COMPLETE'})
  })

  it('refuses a shrink of an etcd volume before the change set runs: it is deleted, nothing executed', async () => {
    // The stack's volume is 40 GiB; the spec (20) would shrink it.
    const volume = Object.keys(template.Resources).find(
      (k) => template.Resources[k]!.Type === 'AWS::EC2::Volume',
    )!
    const current = JSON.parse(text) as typeof template
    current.Resources[volume]!.Properties.Size = 40
    const cfn = fake({
      DescribeStacks: stack('UPDATE_COMPLETE'),
      GetTemplate: () => ({TemplateBody: JSON.stringify(current)}),
      CreateChangeSet: () => changeSet,
      DescribeChangeSet: () => modifyInPlace(volume, 'AWS::EC2::Volume'),
      DeleteChangeSet: () => ({}),
    })
    const plans: string[] = []
    await expect(deploy(cfn.aws, true, [], plans)).rejects.toThrow(
      /the plan cannot be applied:\n {2}Volume etcd-[^:]+: spec\.etcd\.volumeSize \(20 GiB\) is smaller than the volume \(40 GiB\); an EBS volume can grow but never shrink/,
    )
    expect(plans[0]).toContain('Cannot apply:\n  ! Volume etcd-')
    expect(cfn.names()).toContain('DeleteChangeSet')
    expect(cfn.names()).not.toContain('ExecuteChangeSet')
  })

  it('takes a change set with nothing in it as "no changes", deletes it, and executes nothing', async () => {
    const cfn = fake({
      DescribeStacks: stack('UPDATE_COMPLETE'),
      GetTemplate: () => ({TemplateBody: text}),
      CreateChangeSet: () => changeSet,
      DescribeChangeSet: () => ({
        Status: 'FAILED',
        StatusReason:
          "The submitted information didn't contain changes. Submit different information to create a change set.",
      }),
      DeleteChangeSet: () => ({}),
    })
    const plans: string[] = []
    const r = await deploy(cfn.aws, true, [], plans)
    expect(r).toMatchObject({operation: 'none', changes: false, applied: false})
    expect(cfn.names()).toContain('DeleteChangeSet')
    expect(cfn.names()).not.toContain('ExecuteChangeSet')
    expect(plans[0]).toMatch(/No changes: \d+ resources are up to date\./)
  })

  it('shows the stack events as progress and fails naming each failed resource and its reason', async () => {
    const failed = event(
      'e2',
      'AsgNodes',
      'AWS::AutoScaling::AutoScalingGroup',
      'UPDATE_FAILED',
      'Max bound, 1, must be greater than or equal to min bound, 3',
    )
    const cfn = fake({
      DescribeStacks: [
        stack('UPDATE_COMPLETE'),
        stack('UPDATE_IN_PROGRESS'),
        stack('UPDATE_ROLLBACK_COMPLETE'),
      ],
      GetTemplate: () => ({TemplateBody: currentTemplate()}),
      CreateChangeSet: () => changeSet,
      DescribeChangeSet: () => modifyAsg,
      ExecuteChangeSet: () => ({}),
      DescribeStackEvents: [
        () => ({StackEvents: [old]}),
        () => ({
          StackEvents: [
            event('e1', name, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
            old,
          ],
        }),
        () => ({
          StackEvents: [
            event('e3', name, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
            failed,
            event('e1', name, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
            old,
          ],
        }),
      ],
    })
    const lines: string[] = []
    const err = await deploy(cfn.aws, true, lines).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe(
      `CloudFormation stack ${name} update failed: UPDATE_ROLLBACK_COMPLETE\nfailed resources:\n` +
        '  AsgNodes (AWS::AutoScaling::AutoScalingGroup): UPDATE_FAILED — Max bound, 1, must be greater than or equal to min bound, 3',
    )
    // Each event once, oldest first; none from before the change set ran.
    const shown = lines.filter((l) => l.startsWith('  ') && !l.includes('waiting for'))
    expect(shown).toEqual([
      `  ${name} (AWS::CloudFormation::Stack): UPDATE_IN_PROGRESS — User Initiated`,
      '  AsgNodes (AWS::AutoScaling::AutoScalingGroup): UPDATE_FAILED — Max bound, 1, must be greater than or equal to min bound, 3',
      `  ${name} (AWS::CloudFormation::Stack): UPDATE_ROLLBACK_COMPLETE`,
    ])
  })

  it('refuses a new stack while the direct target’s resources of the cluster exist', async () => {
    const missing = () => {
      throw Object.assign(new Error(`Stack with id ${name} does not exist`), {name: 'ValidationError'})
    }
    const cfn = fake({DescribeStacks: missing}, ['nodes.unit.cfn-deploy.example.com-0123456789'])
    const plans: string[] = []
    const r = await deploy(cfn.aws, false, [], plans)
    expect(r.plan.refused[0]).toContain('already has resources the direct target made')
    expect(plans[0]).toContain('Cannot apply:\n  ! unit.cfn-deploy.example.com already has resources')
    await expect(deploy(cfn.aws, true)).rejects.toThrow('the plan cannot be applied')
    expect(cfn.names()).not.toContain('CreateChangeSet')
  })

  it('will not touch a stack of its name that is not tagged as the cluster’s', async () => {
    const cfn = fake({DescribeStacks: stack('CREATE_COMPLETE', [{Key: 'owner', Value: 'someone'}])})
    await expect(deploy(cfn.aws, true)).rejects.toThrow(
      `CloudFormation stack ${name} exists but is not tagged`,
    )
    expect(cfn.names()).toEqual(['DescribeStacks'])
  })

  it('refuses a stack in the middle of another operation, saying to wait', async () => {
    const cfn = fake({DescribeStacks: stack('UPDATE_IN_PROGRESS')})
    await expect(deploy(cfn.aws, true)).rejects.toThrow(
      `CloudFormation stack ${name} is UPDATE_IN_PROGRESS: another operation on it is still running`,
    )
  })

  it('replaces what a first deploy left behind (ROLLBACK_COMPLETE) only with --yes', async () => {
    const cfn = fake({DescribeStacks: stack('ROLLBACK_COMPLETE')})
    const plans: string[] = []
    const r = await deploy(cfn.aws, false, [], plans)
    expect(r).toMatchObject({operation: 'create', applied: false})
    expect(plans[0]).toContain('ROLLBACK_COMPLETE from a first deploy that never finished: replaced')
    expect(cfn.names()).toEqual(['DescribeStacks'])
  })
})

describe('pieces', () => {
  it('diffs two templates field by field, tags by key', () => {
    const before = {
      Type: 'AWS::EC2::VPC',
      Properties: {CidrBlock: '10.0.0.0/16', Tags: [{Key: 'a', Value: '1'}], VpcId: {Ref: 'X'}},
    }
    const after = {
      Type: 'AWS::EC2::VPC',
      Properties: {CidrBlock: '10.1.0.0/16', Tags: [{Key: 'a', Value: '2'}], VpcId: {Ref: 'Y'}},
    }
    expect(templateChanges(before, after)).toEqual([
      {field: 'CidrBlock', old: '10.0.0.0/16', new: '10.1.0.0/16'},
      {field: 'Tags.a', old: '1', new: '2'},
      {field: 'VpcId', old: {Ref: 'X'}, new: {Ref: 'Y'}},
    ])
  })

  it('knows when an operation is done, failed or still running', () => {
    expect(outcome('create', 'CREATE_COMPLETE')).toBe('done')
    expect(outcome('update', 'UPDATE_ROLLBACK_IN_PROGRESS')).toBe('running')
    expect(outcome('update', 'UPDATE_ROLLBACK_COMPLETE')).toBe('failed')
    expect(outcome('create', 'ROLLBACK_COMPLETE')).toBe('failed')
    expect(outcome('delete', 'DELETE_FAILED')).toBe('failed')
  })

  it('reads both of CloudFormation’s ways of saying there is nothing to change', () => {
    expect(isNoChangesReason("The submitted information didn't contain changes.")).toBe(true)
    expect(isNoChangesReason('No updates are to be performed.')).toBe(true)
    expect(isNoChangesReason('Template format error')).toBe(false)
    expect(changeSetName(new Date('2026-12-02T01:35:12.345Z'))).toBe('kforge-20261202t013512z')
  })

  it('passes a small template inline, and a large one by URL from an S3 state store', async () => {
    expect(await placeTemplate('{}', 'c.example.com')).toEqual({source: {TemplateBody: '{}'}})
    const big = 'x'.repeat(51_201)
    await expect(placeTemplate(big, 'c.example.com', {location: '/tmp/state'} as StateStore)).rejects.toThrow(
      'over CloudFormation',
    )
    const written: string[] = []
    const s3 = {
      location: 's3://kforge-state/prod',
      write: async (key: string) => {
        written.push(key)
      },
    } as unknown as StateStore
    const placed = await placeTemplate(big, 'c.example.com', s3)
    expect(written).toEqual([templateKey('c.example.com')])
    expect(placed.source).toEqual({
      TemplateURL:
        'https://kforge-state.s3.amazonaws.com/prod/c.example.com/cloudformation/stack.template.json',
    })
    expect(s3ObjectUrl('s3://state.example.com', 'k/t.json')).toBe(
      'https://s3.amazonaws.com/state.example.com/k/t.json',
    )
  })
})
