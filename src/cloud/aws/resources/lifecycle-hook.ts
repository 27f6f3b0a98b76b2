/**
 * A lifecycle hook of an auto-scaling group (kforge's termination hook: the group waits for the
 * node agent to drain the node before it terminates the instance).
 *
 * Finding hooks: AWS has no batched read of them (DescribeLifecycleHooks takes one group), so
 * reading each group's hooks would make every plan's reads grow with the number of groups. Instead,
 * each PutLifecycleHook kforge makes is recorded in a tag on the group (`kforge.dev/lifecycle-hook`,
 * not propagated to instances) that the one DescribeAutoScalingGroups read returns. PutLifecycleHook
 * creates or replaces, so a put whose tag was never written (a killed run) is simply put again.
 * What this does not see: a hook deleted by hand outside kforge while its tag stays.
 */
import type {AutoScalingClient, AutoScalingGroup} from '@aws-sdk/client-auto-scaling'
import {idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ApplyContext, FindContext, ResourceKind, Val} from '../model/types.js'
import {clusterTagKey, RESOURCE_TAG} from '../tags.js'

export type LifecycleTransition =
  | 'autoscaling:EC2_INSTANCE_TERMINATING'
  | 'autoscaling:EC2_INSTANCE_LAUNCHING'

export interface LifecycleHookProps {
  /** The group's name (a Ref to the AutoScalingGroup). */
  groupName: Val
  name: string
  transition: LifecycleTransition
  /** Seconds the group waits for a heartbeat or completion (30..7200). */
  heartbeatTimeout: number
  defaultResult: 'CONTINUE' | 'ABANDON'
}

export interface LifecycleHookActual extends Actual {
  groupName: string
  name: string
  transition: string
  heartbeatTimeout: number
  defaultResult: string
}

/** The group tag recording the hook kforge put: `<name> <transition> <timeout> <result>`. */
export const HOOK_RECORD_TAG = 'kforge.dev/lifecycle-hook'

export function hookRecord(p: Omit<LifecycleHookProps, 'groupName'>): string {
  return `${p.name} ${p.transition} ${p.heartbeatTimeout} ${p.defaultResult}`
}

function fromRecord(group: AutoScalingGroup): LifecycleHookActual | undefined {
  const tags = group.Tags ?? []
  const value = tags.find((t) => t.Key === HOOK_RECORD_TAG)?.Value
  const fields = value?.split(' ') ?? []
  if (fields.length !== 4 || !/^\d+$/.test(fields[2]!)) return undefined // not ours to read: put again
  const [name, transition, timeout, result] = fields as [string, string, string, string]
  const groupName = group.AutoScalingGroupName!
  const id = `${groupName}|${name}`
  // Marked as kforge's (the group's resource tag), so a hook the model no longer wants is pruned.
  const owner = tags.find((t) => t.Key === RESOURCE_TAG)?.Value ?? groupName
  return {
    id,
    attrs: {id, name},
    tags: {[RESOURCE_TAG]: owner},
    groupName,
    name,
    transition,
    heartbeatTimeout: Number(timeout),
    defaultResult: result,
  }
}

const sdk = () => import('@aws-sdk/client-auto-scaling')

async function asg(ctx: FindContext): Promise<AutoScalingClient> {
  return ctx.aws.autoScaling()
}

/** The group is gone, or the hook is: either way there is nothing left to delete. */
const GONE = [/not found/i, /No Lifecycle Hook/i]

async function put(
  ctx: ApplyContext,
  p: LifecycleHookProps & {groupName: string},
): Promise<LifecycleHookActual> {
  const {PutLifecycleHookCommand, CreateOrUpdateTagsCommand} = await sdk()
  const client = await asg(ctx)
  await client.send(
    new PutLifecycleHookCommand({
      AutoScalingGroupName: p.groupName,
      LifecycleHookName: p.name,
      LifecycleTransition: p.transition,
      HeartbeatTimeout: p.heartbeatTimeout,
      DefaultResult: p.defaultResult,
    }),
  )
  // Only after the put took effect: a record never claims a hook that does not exist.
  await client.send(
    new CreateOrUpdateTagsCommand({
      Tags: [
        {
          ResourceId: p.groupName,
          ResourceType: 'auto-scaling-group',
          Key: HOOK_RECORD_TAG,
          Value: hookRecord(p),
          PropagateAtLaunch: false,
        },
      ],
    }),
  )
  const id = `${p.groupName}|${p.name}`
  return {
    id,
    attrs: {id, name: p.name},
    tags: {[RESOURCE_TAG]: p.groupName},
    groupName: p.groupName,
    name: p.name,
    transition: p.transition,
    heartbeatTimeout: p.heartbeatTimeout,
    defaultResult: p.defaultResult,
  }
}

export const lifecycleHookKind: ResourceKind<LifecycleHookProps, LifecycleHookActual> = {
  kind: 'LifecycleHook',
  phase: 'cluster',
  deleteAfter: [],
  ownership: 'parent',
  immutable: ['groupName', 'name'],
  onImmutableChange: 'replace',
  prune: true,

  async list(ctx) {
    const {paginateDescribeAutoScalingGroups} = await sdk()
    const client = await asg(ctx)
    const out: LifecycleHookActual[] = []
    for await (const page of paginateDescribeAutoScalingGroups(
      {client},
      {Filters: [{Name: `tag:${clusterTagKey(ctx.cluster)}`, Values: ['owned']}], MaxRecords: 100},
    )) {
      for (const g of page.AutoScalingGroups ?? []) {
        const hook = fromRecord(g)
        if (hook) out.push(hook)
      }
    }
    return out
  },

  match: (_d, p, candidates) => candidates.find((c) => c.groupName === p.groupName && c.name === p.name),

  diff: (p, a) =>
    changes(
      ['groupName', p.groupName, a.groupName],
      ['name', p.name, a.name],
      ['transition', p.transition, a.transition],
      ['heartbeatTimeout', p.heartbeatTimeout, a.heartbeatTimeout],
      ['defaultResult', p.defaultResult, a.defaultResult],
    ),

  // PutLifecycleHook creates or replaces: a retried or repeated call is harmless.
  create: (ctx, _d, p) => put(ctx, p),
  update: (ctx, _d, p) => put(ctx, p),

  async delete(ctx, a) {
    const {DeleteLifecycleHookCommand, DeleteTagsCommand} = await sdk()
    const client = await asg(ctx)
    await idempotentDelete(
      () =>
        client.send(
          new DeleteLifecycleHookCommand({AutoScalingGroupName: a.groupName, LifecycleHookName: a.name}),
        ),
      GONE,
    )
    await idempotentDelete(
      () =>
        client.send(
          new DeleteTagsCommand({
            Tags: [{ResourceId: a.groupName, ResourceType: 'auto-scaling-group', Key: HOOK_RECORD_TAG}],
          }),
        ),
      GONE,
    )
  },
  // Deleting the group deletes its hooks (and its tags).
  neededOnClusterDelete: () => false,

  // The group is in the logical name (`hook-<group>`), the hook's name the same on every group.
  describe: (p) =>
    `${p.transition.replace(/^autoscaling:/, '')}, ${p.heartbeatTimeout}s heartbeat, then ${p.defaultResult}`,
}
