/** Route tables: one public (via the internet gateway), one private per zone (via that zone's NAT). */
import type {RouteTable} from '@aws-sdk/client-ec2'
import {idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, tagSpec, tagsFrom} from './ec2.js'

export interface RouteTableProps {
  vpcId: Val
  tags: Tags
}

export interface RouteTableActual extends Actual {
  vpcId: string
}

/** One DescribeRouteTables per run: routes and associations are read from the same answer. */
export function listOwnedRouteTables(ctx: FindContext): Promise<RouteTable[]> {
  return ctx.once('ec2:DescribeRouteTables', async () => {
    const {paginateDescribeRouteTables} = await ec2Module()
    const out = await listOwned(ctx, paginateDescribeRouteTables, (page) => page.RouteTables, 100)
    return out
  })
}

export const routeTableKind: ResourceKind<RouteTableProps, RouteTableActual> = {
  kind: 'RouteTable',
  phase: 'network',
  deleteAfter: ['RouteTableAssociation'],
  ownership: 'tags',
  immutable: ['vpcId'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    return (await listOwnedRouteTables(ctx)).map((t) => ({
      id: t.RouteTableId!,
      attrs: {id: t.RouteTableId!},
      tags: fromTagList(t.Tags),
      vpcId: t.VpcId ?? '',
    }))
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),
  diff: (p, a) => changes(['vpcId', p.vpcId, a.vpcId]).concat(tagChanges(p.tags, a.tags)),

  // The client token makes a retried create return the first attempt's table.
  async create(ctx, d, p) {
    const {CreateRouteTableCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(
      new CreateRouteTableCommand({
        VpcId: p.vpcId,
        ClientToken: ctx.token('rtb', ctx.cluster, d.name, p.vpcId),
        TagSpecifications: tagSpec('route-table', p.tags),
      }),
    )
    const id = out.RouteTable!.RouteTableId!
    return {id, attrs: {id}, tags: p.tags, vpcId: p.vpcId}
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteRouteTableCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DeleteRouteTableCommand({RouteTableId: a.id})))
  },

  describe: () => '',
}
