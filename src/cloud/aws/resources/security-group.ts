/** Security groups, one per role (control plane, nodes, bastion, API load balancer). Rules are their own kind. */
import type {SecurityGroup} from '@aws-sdk/client-ec2'
import {KforgeError} from '../../../util/errors.js'
import {changes, tagChanges} from '../model/diff.js'
import {awsErrorCode} from '../model/errors.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {fromTagList, isOwned, RESOURCE_TAG} from '../tags.js'
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
    let id: string
    try {
      const out = await client.send(
        new CreateSecurityGroupCommand({
          VpcId: p.vpcId,
          GroupName: p.groupName,
          Description: p.description,
          TagSpecifications: tagSpec('security-group', p.tags),
        }),
      )
      id = out.GroupId!
    } catch (err) {
      // Names are unique per VPC: one whose answer was lost is there already. Adopt ours only.
      if (awsErrorCode(err) !== 'InvalidGroup.Duplicate') throw err
      const found = await client.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            {Name: 'group-name', Values: [p.groupName]},
            {Name: 'vpc-id', Values: [p.vpcId]},
          ],
        }),
      )
      const g = found.SecurityGroups?.[0]
      const tags = fromTagList(g?.Tags)
      if (!g || tags[RESOURCE_TAG] !== d.name || !isOwned(ctx.cluster, tags)) {
        throw new KforgeError(
          `security group ${p.groupName} exists in ${p.vpcId} and is not this cluster's ${d.name}`,
        )
      }
      id = g.GroupId!
    }
    return {id, attrs: {id}, tags: p.tags, vpcId: p.vpcId, groupName: p.groupName, description: p.description}
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteSecurityGroupCommand} = await ec2Module()
    await (await ec2(ctx)).send(new DeleteSecurityGroupCommand({GroupId: a.id}))
  },

  describe: (p) => p.groupName,
}
