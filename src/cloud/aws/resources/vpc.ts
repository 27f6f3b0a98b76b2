/** The cluster's VPC (or the user's, found by id and marked shared). */

import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import {isNotFound} from '../model/errors.js'
import type {Actual, ResourceKind, Tags} from '../model/types.js'
import {visible} from '../model/wait.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, taggedFilter, tagSpec, tagsFrom} from './ec2.js'

export interface VpcProps {
  cidr: string
  /** Default: true (the AWS cloud provider needs private DNS names) */
  enableDnsHostnames: boolean
  enableDnsSupport: boolean
  tags: Tags
}

export interface VpcActual extends Actual {
  cidr: string
  enableDnsHostnames: boolean
  enableDnsSupport: boolean
}

export const vpcKind: ResourceKind<VpcProps, VpcActual> = {
  kind: 'Vpc',
  phase: 'network',
  deleteAfter: [
    'Subnet',
    'SecurityGroup',
    'RouteTable',
    'InternetGateway',
    'GatewayAttachment',
    'NatGateway',
    'LoadBalancer',
    'TargetGroup',
    'NetworkInterface',
    'HostedZone',
  ],
  ownership: 'tags',
  immutable: ['cidr'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx, external) {
    const {paginateDescribeVpcs, DescribeVpcsCommand, DescribeVpcAttributeCommand} = await ec2Module()
    const client = await ec2(ctx)
    const vpcs = await listOwned(ctx, paginateDescribeVpcs, (page) => page.Vpcs, 1000)
    if (external.length > 0) {
      try {
        vpcs.push(...((await client.send(new DescribeVpcsCommand({VpcIds: [...external]}))).Vpcs ?? []))
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
    }
    return Promise.all(
      vpcs.map(async (v) => {
        const attr = (Attribute: 'enableDnsHostnames' | 'enableDnsSupport') =>
          visible(
            () => client.send(new DescribeVpcAttributeCommand({VpcId: v.VpcId!, Attribute})),
            `VPC ${v.VpcId}`,
            ctx.aws.timings,
          )
        const [hostnames, support] = await Promise.all([attr('enableDnsHostnames'), attr('enableDnsSupport')])
        return {
          id: v.VpcId!,
          attrs: {id: v.VpcId!, cidr: v.CidrBlock ?? ''},
          tags: fromTagList(v.Tags),
          cidr: v.CidrBlock ?? '',
          enableDnsHostnames: hostnames.EnableDnsHostnames?.Value ?? false,
          enableDnsSupport: support.EnableDnsSupport?.Value ?? false,
        }
      }),
    )
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),

  diff: (p, a) =>
    changes(
      ['cidr', p.cidr, a.cidr],
      ['enableDnsHostnames', p.enableDnsHostnames, a.enableDnsHostnames],
      ['enableDnsSupport', p.enableDnsSupport, a.enableDnsSupport],
    ).concat(tagChanges(p.tags, a.tags)),

  async create(ctx, d, p) {
    const {CreateVpcCommand, DescribeVpcsCommand} = await ec2Module()
    const client = await ec2(ctx)
    const made = (id: string): VpcActual => ({
      id,
      attrs: {id, cidr: p.cidr},
      tags: p.tags,
      cidr: p.cidr,
      // Unknown for an adopted one: the update below sets both, idempotently.
      enableDnsHostnames: false,
      enableDnsSupport: false,
    })
    // No idempotency token: tagged at creation, so an attempt whose answer was lost is found.
    const created = await createOrAdopt(ctx, {
      what: `VPC ${d.name}`,
      logical: d.name,
      create: async () =>
        made(
          (
            await client.send(
              new CreateVpcCommand({CidrBlock: p.cidr, TagSpecifications: tagSpec('vpc', p.tags)}),
            )
          ).Vpc!.VpcId!,
        ),
      find: async () => {
        const v = (await client.send(new DescribeVpcsCommand({Filters: taggedFilter(ctx.cluster, d.name)})))
          .Vpcs?.[0]
        return v ? {actual: made(v.VpcId!), tags: fromTagList(v.Tags)} : undefined
      },
    })
    return this.update(ctx, d, p, created, this.diff(p, created))
  },

  async update(ctx, _d, p, a, todo) {
    const {ModifyVpcAttributeCommand} = await ec2Module()
    const client = await ec2(ctx)
    // One attribute per call: the API refuses both at once.
    for (const c of todo) {
      if (c.field === 'enableDnsSupport')
        await client.send(
          new ModifyVpcAttributeCommand({VpcId: a.id, EnableDnsSupport: {Value: p.enableDnsSupport}}),
        )
      if (c.field === 'enableDnsHostnames')
        await client.send(
          new ModifyVpcAttributeCommand({VpcId: a.id, EnableDnsHostnames: {Value: p.enableDnsHostnames}}),
        )
    }
    await createTags(ctx, a.id, tagsFrom(todo))
    return {
      ...a,
      enableDnsHostnames: p.enableDnsHostnames,
      enableDnsSupport: p.enableDnsSupport,
      tags: {...a.tags, ...p.tags},
    }
  },

  async delete(ctx, a) {
    const {DeleteVpcCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DeleteVpcCommand({VpcId: a.id})))
  },

  tagShared: (ctx, a, tags) => createTags(ctx, a.id, tags),

  describe: (p) => p.cidr,
}
