/** Security groups, one per role (control plane, nodes, bastion, API load balancer). Rules are their own kind. */
import type {SecurityGroup} from '@aws-sdk/client-ec2'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {fromTagList, toTagList} from '../tags.js'
import {createTags, ec2, ec2Module, matchByName, ownedFilter, tagSpec, tagsFrom} from './ec2.js'

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
    const client = await ec2(ctx)
    const groups: SecurityGroup[] = []
    for await (const page of paginateDescribeSecurityGroups({client}, {Filters: ownedFilter(ctx.cluster)})) {
      groups.push(...(page.SecurityGroups ?? []))
    }
    return groups
  })
}

export const securityGroupKind: ResourceKind<SecurityGroupProps, SecurityGroupActual> = {
  kind: 'SecurityGroup',
  cfnType: 'AWS::EC2::SecurityGroup',
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

  async create(ctx, _d, p) {
    const {CreateSecurityGroupCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(
      new CreateSecurityGroupCommand({
        VpcId: p.vpcId,
        GroupName: p.groupName,
        Description: p.description,
        TagSpecifications: tagSpec('security-group', p.tags),
      }),
    )
    const id = out.GroupId!
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

  toCloudFormation: (_d, p) => {
    const props = p as SecurityGroupProps
    return {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupName: props.groupName,
        GroupDescription: props.description,
        VpcId: props.vpcId,
        Tags: toTagList(props.tags),
      },
    }
  },
  cfnAttr: (attr) => (attr === 'id' ? {getAtt: 'GroupId'} : {getAtt: attr}),
}
