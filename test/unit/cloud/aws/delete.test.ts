/** The delete engine with stand-in kinds: order, DependencyViolation retries, and how it stops. */
import {describe, expect, it} from 'vitest'
import {AwsClients} from '../../../../src/cloud/aws/clients.js'
import {directContext} from '../../../../src/cloud/aws/direct/context.js'
import {type Doomed, deleteResources} from '../../../../src/cloud/aws/direct/delete.js'
import type {Actual, Discoverable} from '../../../../src/cloud/aws/model/types.js'
import {instanceKind} from '../../../../src/cloud/aws/resources/instance.js'
import {DETACHED_TAG} from '../../../../src/cloud/aws/tags.js'
import {KforgeError} from '../../../../src/util/errors.js'

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), {name})
}

const ctx = directContext(new AwsClients({region: 'us-east-1'}), 'unit.example.com')

function kind(name: string, deleteAfter: string[], del: (a: Actual) => Promise<void>): Discoverable {
  return {
    kind: name,
    phase: 'network',
    deleteAfter,
    ownership: 'tags',
    list: async () => [],
    delete: (_c, a) => del(a),
  }
}

const actual = (id: string): Actual => ({id, attrs: {id}, tags: {Name: `${id}.unit`}})

describe('deleteResources', () => {
  it('deletes in dependency order and retries what AWS refuses while others make progress', async () => {
    const log: string[] = []
    let vpcAttempts = 0
    const vpc = kind('Vpc', ['Subnet'], async (a) => {
      vpcAttempts++
      // AWS still sees the subnet's ENI the first time.
      if (vpcAttempts === 1) throw awsError('DependencyViolation', 'has dependencies')
      log.push(a.id)
    })
    const subnet = kind('Subnet', ['AutoScalingGroup'], async (a) => {
      log.push(a.id)
    })
    const asg = kind('AutoScalingGroup', [], async (a) => {
      log.push(a.id)
    })
    const items: Doomed[] = [
      {kind: vpc, actual: actual('vpc-1')},
      {kind: subnet, actual: actual('subnet-1')},
      {kind: subnet, actual: actual('subnet-2')},
      {kind: asg, actual: actual('nodes')},
    ]
    const lines: string[] = []
    const n = await deleteResources(items, ctx, {backoffMs: 1, progress: (l) => lines.push(l)})
    expect(n).toBe(4)
    expect(log[0]).toBe('nodes')
    expect(log.slice(1, 3).sort()).toEqual(['subnet-1', 'subnet-2'])
    expect(log[3]).toBe('vpc-1')
    expect(vpcAttempts).toBe(2)
    expect(
      lines.some((l) => l.includes('Vpc vpc-1 (vpc-1.unit): not yet (DependencyViolation), will retry')),
    ).toBe(true)
  })

  it('treats NotFound as already deleted', async () => {
    const gone = kind('Eip', [], async () => {
      throw awsError('InvalidAllocationID.NotFound')
    })
    expect(await deleteResources([{kind: gone, actual: actual('eipalloc-1')}], ctx, {backoffMs: 1})).toBe(1)
  })

  it('stops at access denied, never reporting success', async () => {
    const denied = kind('Vpc', [], async () => {
      throw awsError('UnauthorizedOperation', 'You are not authorized')
    })
    await expect(
      deleteResources([{kind: denied, actual: actual('vpc-9')}], ctx, {backoffMs: 1}),
    ).rejects.toThrow(/deleting Vpc vpc-9 \(vpc-9.unit\): access denied \(UnauthorizedOperation\)/)
  })

  it('when stuck, names each resource left and what blocks it', async () => {
    const stuck = kind('SecurityGroup', [], async () => {
      throw awsError('DependencyViolation', 'resource sg-1 has a dependent object')
    })
    const waiting = kind('Vpc', ['SecurityGroup'], async () => {})
    const err = await deleteResources(
      [
        {kind: stuck, actual: actual('sg-1')},
        {kind: waiting, actual: actual('vpc-1')},
      ],
      ctx,
      {backoffMs: 1, stuckAfterMs: 30},
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KforgeError)
    const message = (err as Error).message
    expect(message).toContain('could not delete 2 resource(s)')
    expect(message).toContain(
      'SecurityGroup sg-1 (sg-1.unit): DependencyViolation: resource sg-1 has a dependent object',
    )
    expect(message).toContain('Vpc vpc-1 (vpc-1.unit): waits for SecurityGroup to be deleted first')
  })

  it('gives up early on an error that is not about dependencies', async () => {
    let attempts = 0
    const broken = kind('Subnet', [], async () => {
      attempts++
      throw awsError('InvalidParameterValue', 'bad')
    })
    await expect(
      deleteResources([{kind: broken, actual: actual('subnet-1')}], ctx, {backoffMs: 1}),
    ).rejects.toThrow('InvalidParameterValue: bad')
    expect(attempts).toBe(3)
  })
})

describe('which instances delete cluster terminates itself', () => {
  const instance = (tags: Record<string, string>): Actual => ({id: 'i-1', attrs: {id: 'i-1'}, tags})
  const needed = (tags: Record<string, string>) => instanceKind.neededOnClusterDelete!(instance(tags))

  it("leaves a group's own instances to the group's force delete", () => {
    expect(needed({'aws:autoscaling:groupName': 'nodes-abc'})).toBe(false)
  })

  it('terminates strays and instances a roll detached from their group (they keep its tag)', () => {
    expect(needed({})).toBe(true)
    expect(needed({'aws:autoscaling:groupName': 'nodes-abc', [DETACHED_TAG]: 'nodes-abc'})).toBe(true)
  })
})
