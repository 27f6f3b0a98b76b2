/**
 * One auto-scaling group per instance group. Its tags propagate to the instances it launches:
 * that is how instances carry the cluster, role and group tags the cloud provider reads.
 */
import type {AutoScalingClient, AutoScalingGroup} from '@aws-sdk/client-auto-scaling'
import {pollOption} from '../../../util/timings.js'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, sortedStrings} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {poll} from '../model/wait.js'
import {clusterTagKey, tagsToSet} from '../tags.js'

export interface AutoScalingGroupProps {
  name: string
  minSize: number
  maxSize: number
  launchTemplateId: Val
  /** A version number (an attribute of the template), never `$Latest`. */
  launchTemplateVersion: Val
  subnetIds: Val[]
  targetGroupArns: Val[]
  /** All propagate to instances at launch. */
  tags: Tags
}

export interface AutoScalingGroupActual extends Actual {
  name: string
  minSize: number
  maxSize: number
  launchTemplateId: string
  launchTemplateVersion: string
  subnetIds: string[]
  targetGroupArns: string[]
  instanceIds: string[]
}

async function asg(ctx: FindContext): Promise<AutoScalingClient> {
  return ctx.aws.autoScaling()
}

const sdk = () => import('@aws-sdk/client-auto-scaling')

function toActual(g: AutoScalingGroup): AutoScalingGroupActual {
  const tags: Tags = {}
  for (const t of g.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? ''
  const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification
  return {
    id: g.AutoScalingGroupName!,
    attrs: {id: g.AutoScalingGroupName!, name: g.AutoScalingGroupName!, arn: g.AutoScalingGroupARN ?? ''},
    tags,
    name: g.AutoScalingGroupName!,
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize ?? 0,
    launchTemplateId: lt?.LaunchTemplateId ?? '',
    launchTemplateVersion: lt?.Version ?? '',
    subnetIds: sortedStrings((g.VPCZoneIdentifier ?? '').split(',').filter((s) => s !== '')),
    targetGroupArns: sortedStrings(g.TargetGroupARNs),
    instanceIds: (g.Instances ?? []).map((i) => i.InstanceId!),
  }
}

function tagList(name: string, tags: Tags) {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({
      Key,
      Value: tags[Key]!,
      PropagateAtLaunch: true,
      ResourceId: name,
      ResourceType: 'auto-scaling-group',
    }))
}

export const autoScalingGroupKind: ResourceKind<AutoScalingGroupProps, AutoScalingGroupActual> = {
  kind: 'AutoScalingGroup',
  phase: 'cluster',
  // A pruned hook goes first: its delete also untags the group. (Deleting the group deletes its hooks.)
  deleteAfter: ['LifecycleHook'],
  ownership: 'tags',
  immutable: ['name'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    const {paginateDescribeAutoScalingGroups} = await sdk()
    const client = await asg(ctx)
    const out: AutoScalingGroupActual[] = []
    for await (const page of paginateDescribeAutoScalingGroups(
      {client},
      {Filters: [{Name: `tag:${clusterTagKey(ctx.cluster)}`, Values: ['owned']}], MaxRecords: 100},
    )) {
      for (const g of page.AutoScalingGroups ?? []) out.push(toActual(g))
    }
    return out
  },

  match: (_desired, props, candidates) => candidates.find((c) => c.name === props.name),

  diff: (p, a) =>
    changes(
      ['name', p.name, a.name],
      ['minSize', p.minSize, a.minSize],
      ['maxSize', p.maxSize, a.maxSize],
      ['launchTemplateId', p.launchTemplateId, a.launchTemplateId],
      ['launchTemplateVersion', p.launchTemplateVersion, a.launchTemplateVersion],
      ['subnetIds', sortedStrings(p.subnetIds), a.subnetIds],
      ['targetGroupArns', sortedStrings(p.targetGroupArns), a.targetGroupArns],
    ).concat(
      Object.entries(tagsToSet(p.tags, a.tags)).map(([k, v]) => ({
        field: `tags.${k}`,
        old: a.tags[k],
        new: v,
      })),
    ),

  async create(ctx, d, p) {
    const {CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand} = await sdk()
    const client = await asg(ctx)
    // The name is the group's identity: AlreadyExists when an attempt whose answer was lost (or a
    // killed run) made it. The next plan corrects whatever differs.
    return createOrAdopt(ctx, {
      what: `auto-scaling group ${p.name}`,
      logical: d.name,
      create: async () => {
        await client.send(
          new CreateAutoScalingGroupCommand({
            AutoScalingGroupName: p.name,
            MinSize: p.minSize,
            MaxSize: p.maxSize,
            DesiredCapacity: p.minSize,
            LaunchTemplate: {LaunchTemplateId: p.launchTemplateId, Version: p.launchTemplateVersion},
            VPCZoneIdentifier: p.subnetIds.join(','),
            ...(p.targetGroupArns.length > 0 ? {TargetGroupARNs: p.targetGroupArns} : {}),
            Tags: tagList(p.name, p.tags),
          }),
        )
        return {
          id: p.name,
          attrs: {id: p.name, name: p.name, arn: ''},
          tags: p.tags,
          name: p.name,
          minSize: p.minSize,
          maxSize: p.maxSize,
          launchTemplateId: p.launchTemplateId,
          launchTemplateVersion: p.launchTemplateVersion,
          subnetIds: sortedStrings(p.subnetIds),
          targetGroupArns: sortedStrings(p.targetGroupArns),
          instanceIds: [],
        }
      },
      find: async () => {
        const g = (await client.send(new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [p.name]})))
          .AutoScalingGroups?.[0]
        if (!g) return undefined
        const found = toActual(g)
        return {actual: found, tags: found.tags}
      },
    })
  },

  async update(ctx, _d, p, a, todo) {
    const {
      UpdateAutoScalingGroupCommand,
      CreateOrUpdateTagsCommand,
      AttachLoadBalancerTargetGroupsCommand,
      DetachLoadBalancerTargetGroupsCommand,
    } = await sdk()
    const client = await asg(ctx)
    const fields = new Set(todo.map((c) => c.field))
    const group = ['minSize', 'maxSize', 'launchTemplateId', 'launchTemplateVersion', 'subnetIds']
    if (group.some((f) => fields.has(f))) {
      await client.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: a.name,
          ...(fields.has('minSize') ? {MinSize: p.minSize} : {}),
          ...(fields.has('maxSize') ? {MaxSize: p.maxSize} : {}),
          ...(fields.has('launchTemplateId') || fields.has('launchTemplateVersion')
            ? {LaunchTemplate: {LaunchTemplateId: p.launchTemplateId, Version: p.launchTemplateVersion}}
            : {}),
          ...(fields.has('subnetIds') ? {VPCZoneIdentifier: p.subnetIds.join(',')} : {}),
        }),
      )
    }
    if (fields.has('targetGroupArns')) {
      const add = p.targetGroupArns.filter((t) => !a.targetGroupArns.includes(t))
      const remove = a.targetGroupArns.filter((t) => !p.targetGroupArns.includes(t))
      if (add.length > 0)
        await client.send(
          new AttachLoadBalancerTargetGroupsCommand({AutoScalingGroupName: a.name, TargetGroupARNs: add}),
        )
      if (remove.length > 0)
        await client.send(
          new DetachLoadBalancerTargetGroupsCommand({AutoScalingGroupName: a.name, TargetGroupARNs: remove}),
        )
    }
    const tags = tagsToSet(p.tags, a.tags)
    if (Object.keys(tags).length > 0)
      await client.send(new CreateOrUpdateTagsCommand({Tags: tagList(a.name, tags)}))
    return {
      ...a,
      minSize: p.minSize,
      maxSize: p.maxSize,
      launchTemplateId: p.launchTemplateId,
      launchTemplateVersion: p.launchTemplateVersion,
      subnetIds: sortedStrings(p.subnetIds),
      targetGroupArns: sortedStrings(p.targetGroupArns),
      tags: {...a.tags, ...p.tags},
    }
  },

  async delete(ctx, a) {
    const {DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand} = await sdk()
    const client = await asg(ctx)
    // A group already gone (a retried call's first attempt) answers ValidationError "not found".
    await idempotentDelete(
      () => client.send(new DeleteAutoScalingGroupCommand({AutoScalingGroupName: a.name, ForceDelete: true})),
      [/AutoScalingGroup name not found|not found/i],
    )
    // The group's instances hold ENIs in the subnets and security groups deleted next.
    await poll(
      async (c) => {
        const out = await client.send(new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [a.name]}))
        const g = out.AutoScalingGroups?.[0]
        c.state(g ? `${g.Status ?? 'deleting'}, ${(g.Instances ?? []).length} instance(s)` : 'gone')
        return g ? undefined : true
      },
      {
        what: `auto-scaling group ${a.name} to be deleted`,
        progress: (line) => ctx.logger.info(line),
        ...pollOption(ctx.aws.timings),
      },
    )
  },

  describe: (p) => `${p.minSize}..${p.maxSize} instances`,
}
