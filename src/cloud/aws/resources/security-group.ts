/** Security groups, one per role (control plane, nodes, bastion, API load balancer). Rules are their own kind. */
import type {SecurityGroup} from '@aws-sdk/client-ec2'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, tagSpec, tagsFrom} from './ec2.js'

export interface SecurityGroupProps {
  vpcId: Val
  groupName: string
  description: string
  tags: Tags
}

export interface SecurityGroupActual extends Actual {
  vpcId: string
  groupName: string
  description: string
}

/** One DescribeSecurityGroups for the run: the group kind and the rule kind both start from it. */
export function listOwnedGroups(ctx: FindContext): Promise<SecurityGroup[]> {
  return ctx.once('ec2:DescribeSecurityGroups', async () => {
    const {paginateDescribeSecurityGroups} = await ec2Module()
    const groups = await listOwned(ctx, paginateDescribeSecurityGroups, (page) => page.SecurityGroups, 1000)
    return groups
  })
}

export const securityGroupKind: ResourceKind<SecurityGroupProps, SecurityGroupActual> = {
  kind: 'SecurityGroup',
  phase: 'security',
  deleteAfter: ['SecurityGroupRule', 'AutoScalingGroup', 'Instance', 'LoadBalancer', 'NetworkInterface'],
  ownership: 'tags',
  immutable: ['vpcId', 'groupName', 'description'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    return (await listOwnedGroups(ctx)).map((g) => ({
      id: g.GroupId!,
      attrs: {id: g.GroupId!},
      tags: fromTagList(g.Tags),
      vpcId: g.VpcId ?? '',
      groupName: g.GroupName ?? '',
      description: g.Description ?? '',
    }))
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),

  diff: (p, a) =>
    changes(
      ['vpcId', p.vpcId, a.vpcId],
      ['groupName', p.groupName, a.groupName],
      ['description', p.description, a.description],
    ).concat(tagChanges(p.tags, a.tags)),

  async create(ctx, d, p) {
    const {CreateSecurityGroupCommand, DescribeSecurityGroupsCommand} = await ec2Module()
    const client = await ec2(ctx)
    const made = (id: string) => ({
      id,
      attrs: {id},
      tags: p.tags,
      vpcId: p.vpcId,
      groupName: p.groupName,
      description: p.description,
    })
    // Names are unique per VPC: InvalidGroup.Duplicate when an attempt whose answer was lost made it.
    return createOrAdopt(ctx, {
      what: `security group ${p.groupName} in ${p.vpcId}`,
      logical: d.name,
      create: async () =>
        made(
          (
            await client.send(
              new CreateSecurityGroupCommand({
                VpcId: p.vpcId,
                GroupName: p.groupName,
                Description: p.description,
                TagSpecifications: tagSpec('security-group', p.tags),
              }),
            )
          ).GroupId!,
        ),
      find: async () => {
        const g = (
          await client.send(
            new DescribeSecurityGroupsCommand({
              Filters: [
                {Name: 'group-name', Values: [p.groupName]},
                {Name: 'vpc-id', Values: [p.vpcId]},
              ],
            }),
          )
        ).SecurityGroups?.[0]
        return g ? {actual: made(g.GroupId!), tags: fromTagList(g.Tags)} : undefined
      },
    })
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteSecurityGroupCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DeleteSecurityGroupCommand({GroupId: a.id})))
  },

  describe: (p) => p.groupName,
}
