/** Subnets per zone: public, private (behind NAT) and utility (load balancers, bastion, NAT). */

import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import {isNotFound} from '../model/errors.js'
import type {Actual, ResourceKind, Tags, Val} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, taggedFilter, tagSpec, tagsFrom} from './ec2.js'

export interface SubnetProps {
  vpcId: Val
  cidr: string
  zone: string
  /** Instances launched here get a public address (public and utility subnets). */
  mapPublicIpOnLaunch: boolean
  tags: Tags
}

export interface SubnetActual extends Actual {
  vpcId: string
  cidr: string
  zone: string
  mapPublicIpOnLaunch: boolean
}

export const subnetKind: ResourceKind<SubnetProps, SubnetActual> = {
  kind: 'Subnet',
  phase: 'network',
  deleteAfter: [
    'AutoScalingGroup',
    'Instance',
    'NatGateway',
    'LoadBalancer',
    'NetworkInterface',
    'RouteTableAssociation',
  ],
  ownership: 'tags',
  immutable: ['vpcId', 'cidr', 'zone'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx, external) {
    const {paginateDescribeSubnets, DescribeSubnetsCommand} = await ec2Module()
    const client = await ec2(ctx)
    const subnets = await listOwned(ctx, paginateDescribeSubnets, (page) => page.Subnets, 1000)
    if (external.length > 0) {
      try {
        subnets.push(
          ...((await client.send(new DescribeSubnetsCommand({SubnetIds: [...external]}))).Subnets ?? []),
        )
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
    return subnets.map((s) => ({
      id: s.SubnetId!,
      attrs: {id: s.SubnetId!, zone: s.AvailabilityZone ?? ''},
      tags: fromTagList(s.Tags),
      vpcId: s.VpcId ?? '',
      cidr: s.CidrBlock ?? '',
      zone: s.AvailabilityZone ?? '',
      mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false,
    }))
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),

  diff: (p, a) =>
    changes(
      ['vpcId', p.vpcId, a.vpcId],
      ['cidr', p.cidr, a.cidr],
      ['zone', p.zone, a.zone],
      ['mapPublicIpOnLaunch', p.mapPublicIpOnLaunch, a.mapPublicIpOnLaunch],
    ).concat(tagChanges(p.tags, a.tags)),

  async create(ctx, d, p) {
    const {CreateSubnetCommand, DescribeSubnetsCommand} = await ec2Module()
    const client = await ec2(ctx)
    const made = (s: {SubnetId?: string; MapPublicIpOnLaunch?: boolean}): SubnetActual => ({
      id: s.SubnetId!,
      attrs: {id: s.SubnetId!, zone: p.zone},
      tags: p.tags,
      vpcId: p.vpcId,
      cidr: p.cidr,
      zone: p.zone,
      mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false,
    })
    // No idempotency token: tagged at creation, so an attempt whose answer was lost is found.
    const created = await createOrAdopt(ctx, {
      what: `subnet ${d.name}`,
      logical: d.name,
      create: async () =>
        made(
          (
            await client.send(
              new CreateSubnetCommand({
                VpcId: p.vpcId,
                CidrBlock: p.cidr,
                AvailabilityZone: p.zone,
                TagSpecifications: tagSpec('subnet', p.tags),
              }),
            )
          ).Subnet!,
        ),
      find: async () => {
        const s = (
          await client.send(new DescribeSubnetsCommand({Filters: taggedFilter(ctx.cluster, d.name)}))
        ).Subnets?.[0]
        return s ? {actual: made(s), tags: fromTagList(s.Tags)} : undefined
      },
    })
    return this.update(ctx, d, p, created, this.diff(p, created))
  },

  async update(ctx, _d, p, a, todo) {
    const {ModifySubnetAttributeCommand} = await ec2Module()
    if (todo.some((c) => c.field === 'mapPublicIpOnLaunch')) {
      await (await ec2(ctx)).send(
        new ModifySubnetAttributeCommand({
          SubnetId: a.id,
          MapPublicIpOnLaunch: {Value: p.mapPublicIpOnLaunch},
        }),
      )
    }
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, mapPublicIpOnLaunch: p.mapPublicIpOnLaunch, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteSubnetCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DeleteSubnetCommand({SubnetId: a.id})))
  },

  tagShared: (ctx, a, tags) => createTags(ctx, a.id, tags),

  describe: (p) => `${p.cidr} in ${p.zone}`,
}
