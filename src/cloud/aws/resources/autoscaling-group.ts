/**
 * One auto-scaling group per instance group. Its tags propagate to the instances it launches:
 * that is how instances carry the cluster, role and group tags the cloud provider reads. It
 * launches from the group's launch template, directly or through a mixed-instances policy (more
 * instance types, spot capacity), and collects its group metrics.
 */
import type {AutoScalingClient, AutoScalingGroup} from '@aws-sdk/client-auto-scaling'
import {pollOption} from '../../../util/timings.js'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, sortedStrings} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {poll} from '../model/wait.js'
import {clusterTagKey, tagsToSet} from '../tags.js'
import {
  type MixedInstances,
  metricChanges,
  mixedFromAws,
  mixedInstancesChanges,
  mixedInstancesPolicy,
  type Resolved,
  readMetrics,
} from './autoscaling-fleet.js'

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
  /** Instance types and spot capacity; none launches the launch template as it is. */
  mixedInstances?: MixedInstances
  /** Group metrics collected at 1-minute granularity; others someone enabled are left on. */
  metrics: string[]
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
  mixedInstances?: MixedInstances
  metrics: string[]
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
    ...mixedFromAws(g.MixedInstancesPolicy),
    metrics: readMetrics(g.EnabledMetrics),
  }
}

/**
 * What the group launches from: the template itself, or the mixed-instances policy around it.
 * It goes with every UpdateAutoScalingGroup: AWS keeps it either way, and the emulator drops a
 * mixed-instances policy from an update that does not repeat it. SpotMaxPrice is always sent:
 * an update that leaves it out keeps the old cap, and an empty string is how AWS removes one.
 */
function launchSpec(p: Resolved) {
  const template = {LaunchTemplateId: p.launchTemplateId, Version: p.launchTemplateVersion}
  if (!p.mixedInstances) return {LaunchTemplate: template}
  const policy = mixedInstancesPolicy(p.mixedInstances, template)
  const SpotMaxPrice = p.mixedInstances.spotMaxPrice ?? ''
  return {
    MixedInstancesPolicy: {...policy, InstancesDistribution: {...policy.InstancesDistribution, SpotMaxPrice}},
  }
}

async function enableMetrics(client: AutoScalingClient, name: string, metrics: string[]): Promise<void> {
  if (metrics.length === 0) return
  const {EnableMetricsCollectionCommand} = await sdk()
  await client.send(
    new EnableMetricsCollectionCommand({
      AutoScalingGroupName: name,
      Granularity: '1Minute',
      Metrics: metrics,
    }),
  )
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
      mixedInstancesChanges(p.mixedInstances, a.mixedInstances),
      metricChanges(p.metrics, a.metrics),
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
    const made = await createOrAdopt(ctx, {
      what: `auto-scaling group ${p.name}`,
      logical: d.name,
      create: async () => {
        await client.send(
          new CreateAutoScalingGroupCommand({
            AutoScalingGroupName: p.name,
            MinSize: p.minSize,
            MaxSize: p.maxSize,
            DesiredCapacity: p.minSize,
            ...launchSpec(p),
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
          ...(p.mixedInstances ? {mixedInstances: p.mixedInstances} : {}),
          metrics: sortedStrings(p.metrics),
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
    // Not part of CreateAutoScalingGroup, and idempotent: made after a create or an adoption alike
    // (a group adopted after a lost answer would otherwise never collect them).
    await enableMetrics(client, p.name, p.metrics)
    return {...made, metrics: sortedStrings(p.metrics)}
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
    const mixed = todo.some((c) => c.field.startsWith('mixedInstancesPolicy'))
    if (mixed || group.some((f) => fields.has(f))) {
      await client.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: a.name,
          ...(fields.has('minSize') ? {MinSize: p.minSize} : {}),
          ...(fields.has('maxSize') ? {MaxSize: p.maxSize} : {}),
          ...launchSpec(p),
          ...(fields.has('subnetIds') ? {VPCZoneIdentifier: p.subnetIds.join(',')} : {}),
        }),
      )
    }
    // The whole list: enabling a metric already on is harmless, and AWS adds, never removes.
    if (fields.has('metrics')) await enableMetrics(client, a.name, p.metrics)
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
      mixedInstances: p.mixedInstances,
      metrics: sortedStrings([...new Set([...a.metrics, ...p.metrics])]),
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

  describe: (p) =>
    `${p.minSize}..${p.maxSize} instances${p.mixedInstances ? ` (${p.mixedInstances.instanceTypes.join(', ')}, ${p.mixedInstances.onDemandAboveBase}% on demand above ${p.mixedInstances.onDemandBase})` : ''}`,
}
