/**
 * A route in an owned route table. Identity is (table, destination); a changed target is replaced
 * in place (ReplaceRoute). Routes others add (Kubernetes' route controller) are left alone.
 */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {ec2, ec2Module} from './ec2.js'
import {waitForNatGateway} from './nat-gateway.js'
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

  async create(ctx, d, p) {
    const {CreateRouteCommand, DescribeRouteTablesCommand} = await ec2Module()
    const client = await ec2(ctx)
    const id = `${p.routeTableId}|${p.destination}`
    // AWS refuses a route through a NAT gateway that is not available yet (one a killed run left pending).
    if (p.natGatewayId) await waitForNatGateway(ctx, p.natGatewayId, 'available')
    return createOrAdopt(ctx, {
      what: `route ${d.name} (${p.destination} in ${p.routeTableId})`,
      create: async () => {
        await client.send(
          new CreateRouteCommand({
            RouteTableId: p.routeTableId,
            DestinationCidrBlock: p.destination,
            ...(p.gatewayId ? {GatewayId: p.gatewayId} : {}),
            ...(p.natGatewayId ? {NatGatewayId: p.natGatewayId} : {}),
          }),
        )
        return {id, attrs: {id}, tags: {}, ...p}
      },
      // RouteAlreadyExists: the route is in our table (its owner); a different target is the next plan's change.
      find: async () => {
        const t = (await client.send(new DescribeRouteTablesCommand({RouteTableIds: [p.routeTableId]})))
          .RouteTables?.[0]
        const r = t?.Routes?.find((x) => x.DestinationCidrBlock === p.destination)
        if (!r) return undefined
        return {
          actual: {
            id,
            attrs: {id},
            tags: {},
            routeTableId: p.routeTableId,
            destination: p.destination,
            ...(r.GatewayId ? {gatewayId: r.GatewayId} : {}),
            ...(r.NatGatewayId ? {natGatewayId: r.NatGatewayId} : {}),
          },
        }
      },
    })
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
    const client = await ec2(ctx)
    await idempotentDelete(() =>
      client.send(
        new DeleteRouteCommand({RouteTableId: a.routeTableId, DestinationCidrBlock: a.destination}),
      ),
    )
  },
  // The route goes with its table.
  neededOnClusterDelete: () => false,

  describe: (p) => `${p.destination} via ${p.gatewayId ?? p.natGatewayId}`,
}
