/** A subnet's association with a route table. A subnet's table changes in place. */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {ec2, ec2Module} from './ec2.js'
import {listOwnedRouteTables} from './route-table.js'

export interface RouteTableAssociationProps {
  routeTableId: Val
  subnetId: Val
}

export interface RouteTableAssociationActual extends Actual {
  routeTableId: string
  subnetId: string
}

export const routeTableAssociationKind: ResourceKind<
  RouteTableAssociationProps,
  RouteTableAssociationActual
> = {
  kind: 'RouteTableAssociation',
  phase: 'network',
  deleteAfter: [],
  ownership: 'parent',
  immutable: ['subnetId'],
  onImmutableChange: 'replace',
  prune: false,

  async list(ctx) {
    return (await listOwnedRouteTables(ctx)).flatMap((t) =>
      (t.Associations ?? [])
        .filter((a) => a.SubnetId && !a.Main)
        .map((a) => ({
          id: a.RouteTableAssociationId!,
          attrs: {id: a.RouteTableAssociationId!},
          tags: {},
          routeTableId: t.RouteTableId!,
          subnetId: a.SubnetId!,
        })),
    )
  },

  match: (_d, p, candidates) => candidates.find((c) => c.subnetId === p.subnetId),
  diff: (p, a) => changes(['routeTableId', p.routeTableId, a.routeTableId]),

  async create(ctx, d, p) {
    const {AssociateRouteTableCommand, DescribeRouteTablesCommand} = await ec2Module()
    const client = await ec2(ctx)
    return createOrAdopt(ctx, {
      what: `route table association ${d.name} (${p.subnetId})`,
      create: async () => {
        const out = await client.send(
          new AssociateRouteTableCommand({RouteTableId: p.routeTableId, SubnetId: p.subnetId}),
        )
        const id = out.AssociationId!
        return {id, attrs: {id}, tags: {}, routeTableId: p.routeTableId, subnetId: p.subnetId}
      },
      // Resource.AlreadyAssociated: the subnet (ours) has a table; another table is the next plan's change.
      find: async () => {
        const tables = (
          await client.send(
            new DescribeRouteTablesCommand({
              Filters: [{Name: 'association.subnet-id', Values: [p.subnetId]}],
            }),
          )
        ).RouteTables
        for (const t of tables ?? []) {
          const a = t.Associations?.find((x) => x.SubnetId === p.subnetId)
          if (a) {
            const id = a.RouteTableAssociationId!
            return {actual: {id, attrs: {id}, tags: {}, routeTableId: t.RouteTableId!, subnetId: p.subnetId}}
          }
        }
        return undefined
      },
    })
  },

  async update(ctx, _d, p, a) {
    const {ReplaceRouteTableAssociationCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(
      new ReplaceRouteTableAssociationCommand({AssociationId: a.id, RouteTableId: p.routeTableId}),
    )
    const id = out.NewAssociationId ?? a.id
    return {...a, id, attrs: {id}, routeTableId: p.routeTableId}
  },

  async delete(ctx, a) {
    const {DisassociateRouteTableCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DisassociateRouteTableCommand({AssociationId: a.id})))
  },

  describe: (p) => `${p.subnetId} → ${p.routeTableId}`,
}
