/** The internet gateway of an owned VPC. Its attachment is its own kind (gateway-attachment.ts). */
import type {InternetGateway} from '@aws-sdk/client-ec2'
import {tagChanges} from '../model/diff.js'
import {awsErrorCode} from '../model/errors.js'
import type {Actual, FindContext, ResourceKind, Tags} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, tagSpec, tagsFrom} from './ec2.js'

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

  async create(ctx, _d, p) {
    const {CreateInternetGatewayCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(
      new CreateInternetGatewayCommand({TagSpecifications: tagSpec('internet-gateway', p.tags)}),
    )
    const id = out.InternetGateway!.InternetGatewayId!
    return {id, attrs: {id}, tags: p.tags, attachedVpcs: []}
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
      try {
        await client.send(new DetachInternetGatewayCommand({InternetGatewayId: a.id, VpcId: vpc}))
      } catch (err) {
        if (awsErrorCode(err) !== 'Gateway.NotAttached') throw err
      }
    }
    await client.send(new DeleteInternetGatewayCommand({InternetGatewayId: a.id}))
  },

  describe: () => '',
}
