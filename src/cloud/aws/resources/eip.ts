/** An Elastic IP for a NAT gateway. Released after its NAT gateway is gone. */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, matchByName, ownedFilter, taggedFilter, tagSpec, tagsFrom} from './ec2.js'

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

  async create(ctx, d, p) {
    const {AllocateAddressCommand, DescribeAddressesCommand} = await ec2Module()
    const client = await ec2(ctx)
    const made = (id: string, publicIp: string | undefined): EipActual => ({
      id,
      attrs: {id, allocationId: id, publicIp: publicIp ?? ''},
      tags: p.tags,
      publicIp: publicIp ?? '',
    })
    // No idempotency token: tagged at creation, so an attempt whose answer was lost is found.
    return createOrAdopt(ctx, {
      what: `elastic IP ${d.name}`,
      logical: d.name,
      create: async () => {
        const out = await client.send(
          new AllocateAddressCommand({Domain: 'vpc', TagSpecifications: tagSpec('elastic-ip', p.tags)}),
        )
        return made(out.AllocationId!, out.PublicIp)
      },
      find: async () => {
        const a = (
          await client.send(new DescribeAddressesCommand({Filters: taggedFilter(ctx.cluster, d.name)}))
        ).Addresses?.[0]
        return a ? {actual: made(a.AllocationId!, a.PublicIp), tags: fromTagList(a.Tags)} : undefined
      },
    })
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {ReleaseAddressCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new ReleaseAddressCommand({AllocationId: a.id})))
  },

  describe: () => '',
}
