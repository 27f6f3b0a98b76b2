/** An Elastic IP for a NAT gateway. Released after its NAT gateway is gone. */
import {tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, matchByName, ownedFilter, tagSpec, tagsFrom} from './ec2.js'

export interface EipProps {
  tags: Tags
}

export interface EipActual extends Actual {
  publicIp: string
  associationId?: string
}

export const eipKind: ResourceKind<EipProps, EipActual> = {
  kind: 'Eip',
  phase: 'network',
  deleteAfter: ['NatGateway', 'Instance', 'AutoScalingGroup'],
  ownership: 'tags',
  immutable: [],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    const {DescribeAddressesCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(new DescribeAddressesCommand({Filters: ownedFilter(ctx.cluster)}))
    return (out.Addresses ?? []).map((a) => ({
      id: a.AllocationId!,
      attrs: {id: a.AllocationId!, allocationId: a.AllocationId!, publicIp: a.PublicIp ?? ''},
      tags: fromTagList(a.Tags),
      publicIp: a.PublicIp ?? '',
      ...(a.AssociationId ? {associationId: a.AssociationId} : {}),
    }))
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),
  diff: (p, a) => tagChanges(p.tags, a.tags),

  async create(ctx, _d, p) {
    const {AllocateAddressCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(
      new AllocateAddressCommand({Domain: 'vpc', TagSpecifications: tagSpec('elastic-ip', p.tags)}),
    )
    const id = out.AllocationId!
    return {
      id,
      attrs: {id, allocationId: id, publicIp: out.PublicIp ?? ''},
      tags: p.tags,
      publicIp: out.PublicIp ?? '',
    }
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {ReleaseAddressCommand} = await ec2Module()
    await (await ec2(ctx)).send(new ReleaseAddressCommand({AllocationId: a.id}))
  },

  describe: () => '',
}
