/** The internet gateway of an owned VPC. Its attachment is its own kind (gateway-attachment.ts). */
import type {InternetGateway} from '@aws-sdk/client-ec2'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {tagChanges} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, taggedFilter, tagSpec, tagsFrom} from './ec2.js'

export interface InternetGatewayProps {
  tags: Tags
}

export interface InternetGatewayActual extends Actual {
  attachedVpcs: string[]
}

/** One DescribeInternetGateways per run, shared with the attachment kind. */
export function listOwnedGateways(ctx: FindContext): Promise<InternetGateway[]> {
  return ctx.once('ec2:DescribeInternetGateways', async () => {
    const {paginateDescribeInternetGateways} = await ec2Module()
    const out = await listOwned(ctx, paginateDescribeInternetGateways, (page) => page.InternetGateways, 1000)
    return out
  })
}

export const internetGatewayKind: ResourceKind<InternetGatewayProps, InternetGatewayActual> = {
  kind: 'InternetGateway',
  phase: 'network',
  // Deleting it detaches it first; public addresses in the VPC block the detach.
  deleteAfter: ['GatewayAttachment', 'NatGateway', 'Eip', 'LoadBalancer', 'AutoScalingGroup', 'Instance'],
  ownership: 'tags',
  immutable: [],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    return (await listOwnedGateways(ctx)).map((g) => ({
      id: g.InternetGatewayId!,
      attrs: {id: g.InternetGatewayId!},
      tags: fromTagList(g.Tags),
      attachedVpcs: (g.Attachments ?? []).map((a) => a.VpcId!),
    }))
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),
  diff: (p, a) => tagChanges(p.tags, a.tags),

  async create(ctx, d, p) {
    const {CreateInternetGatewayCommand, DescribeInternetGatewaysCommand} = await ec2Module()
    const client = await ec2(ctx)
    // No idempotency token: tagged at creation, so an attempt whose answer was lost is found.
    return createOrAdopt(ctx, {
      what: `internet gateway ${d.name}`,
      logical: d.name,
      create: async () => {
        const out = await client.send(
          new CreateInternetGatewayCommand({TagSpecifications: tagSpec('internet-gateway', p.tags)}),
        )
        const id = out.InternetGateway!.InternetGatewayId!
        return {id, attrs: {id}, tags: p.tags, attachedVpcs: []}
      },
      find: async () => {
        const g = (
          await client.send(new DescribeInternetGatewaysCommand({Filters: taggedFilter(ctx.cluster, d.name)}))
        ).InternetGateways?.[0]
        if (!g) return undefined
        const id = g.InternetGatewayId!
        const attachedVpcs = (g.Attachments ?? []).map((a) => a.VpcId!)
        return {actual: {id, attrs: {id}, tags: p.tags, attachedVpcs}, tags: fromTagList(g.Tags)}
      },
    })
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteInternetGatewayCommand, DetachInternetGatewayCommand} = await ec2Module()
    const client = await ec2(ctx)
    // An untagged gateway found through its attachment to an owned VPC is detached here.
    for (const vpc of a.attachedVpcs) {
      await idempotentDelete(
        () => client.send(new DetachInternetGatewayCommand({InternetGatewayId: a.id, VpcId: vpc})),
        [/^Gateway\.NotAttached$/],
      )
    }
    await idempotentDelete(() => client.send(new DeleteInternetGatewayCommand({InternetGatewayId: a.id})))
  },

  describe: () => '',
}
