/**
 * A route in an owned route table. Identity is (table, destination); a changed target is replaced
 * in place (ReplaceRoute). Routes others add (Kubernetes' route controller) are left alone.
 */
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {ec2, ec2Module} from './ec2.js'
import {listOwnedRouteTables} from './route-table.js'

export interface RouteProps {
  routeTableId: Val
  destination: string
  /** Exactly one target. */
  gatewayId?: Val
  natGatewayId?: Val
}

export interface RouteActual extends Actual {
  routeTableId: string
  destination: string
  gatewayId?: string
  natGatewayId?: string
}

export const routeKind: ResourceKind<RouteProps, RouteActual> = {
  kind: 'Route',
  phase: 'network',
  deleteAfter: [],
  ownership: 'parent',
  immutable: ['routeTableId', 'destination'],
  onImmutableChange: 'replace',
  prune: false,

  async list(ctx) {
    return (await listOwnedRouteTables(ctx)).flatMap((t) =>
      (t.Routes ?? [])
        .filter((r) => r.DestinationCidrBlock && r.GatewayId !== 'local' && r.Origin !== 'CreateRouteTable')
        .map((r) => {
          const id = `${t.RouteTableId}|${r.DestinationCidrBlock}`
          return {
            id,
            attrs: {id},
            tags: {},
            routeTableId: t.RouteTableId!,
            destination: r.DestinationCidrBlock!,
            ...(r.GatewayId ? {gatewayId: r.GatewayId} : {}),
            ...(r.NatGatewayId ? {natGatewayId: r.NatGatewayId} : {}),
          }
        }),
    )
  },

  match: (_d, p, candidates) =>
    candidates.find((c) => c.routeTableId === p.routeTableId && c.destination === p.destination),

  diff: (p, a) =>
    changes(
      ['gatewayId', p.gatewayId ?? null, a.gatewayId ?? null],
      ['natGatewayId', p.natGatewayId ?? null, a.natGatewayId ?? null],
    ),

  async create(ctx, _d, p) {
    const {CreateRouteCommand} = await ec2Module()
    await (await ec2(ctx)).send(
      new CreateRouteCommand({
        RouteTableId: p.routeTableId,
        DestinationCidrBlock: p.destination,
        ...(p.gatewayId ? {GatewayId: p.gatewayId} : {}),
        ...(p.natGatewayId ? {NatGatewayId: p.natGatewayId} : {}),
      }),
    )
    const id = `${p.routeTableId}|${p.destination}`
    return {id, attrs: {id}, tags: {}, ...p}
  },

  async update(ctx, _d, p, a) {
    const {ReplaceRouteCommand} = await ec2Module()
    await (await ec2(ctx)).send(
      new ReplaceRouteCommand({
        RouteTableId: a.routeTableId,
        DestinationCidrBlock: a.destination,
        ...(p.gatewayId ? {GatewayId: p.gatewayId} : {}),
        ...(p.natGatewayId ? {NatGatewayId: p.natGatewayId} : {}),
      }),
    )
    return {...a, ...p}
  },

  async delete(ctx, a) {
    const {DeleteRouteCommand} = await ec2Module()
    await (await ec2(ctx)).send(
      new DeleteRouteCommand({RouteTableId: a.routeTableId, DestinationCidrBlock: a.destination}),
    )
  },
  // The route goes with its table.
  neededOnClusterDelete: () => false,

  describe: (p) => `${p.destination} via ${p.gatewayId ?? p.natGatewayId}`,
}
