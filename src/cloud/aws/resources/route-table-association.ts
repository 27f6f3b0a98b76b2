/** A subnet's association with a route table. A subnet's table changes in place. */
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

  async create(ctx, _d, p) {
    const {AssociateRouteTableCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(
      new AssociateRouteTableCommand({RouteTableId: p.routeTableId, SubnetId: p.subnetId}),
    )
    const id = out.AssociationId!
    return {id, attrs: {id}, tags: {}, routeTableId: p.routeTableId, subnetId: p.subnetId}
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
    await (await ec2(ctx)).send(new DisassociateRouteTableCommand({AssociationId: a.id}))
  },

  describe: (p) => `${p.subnetId} → ${p.routeTableId}`,
}
