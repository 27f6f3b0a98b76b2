/**
 * Everything a cluster owns, for `delete cluster`: every kind's tagged resources, plus what only
 * a relation reveals — the internet gateway attached to an owned VPC, the NAT gateways an owned
 * route table routes through and their addresses — whether or not those carry the tag. Minus
 * what goes with its parent anyway.
 */
import type {Actual, AnyDiscoverable, FindContext} from '../model/types.js'
import {ec2, ec2Module} from '../resources/ec2.js'
import {eipKind} from '../resources/eip.js'
import {DISCOVER_ONLY, KINDS} from '../resources/index.js'
import {internetGatewayKind} from '../resources/internet-gateway.js'
import {describeNatGateways, natGatewayKind} from '../resources/nat-gateway.js'
import {listOwnedRouteTables} from '../resources/route-table.js'
import {fromTagList, isOwned} from '../tags.js'
import type {Doomed} from './delete.js'
import {listAll} from './plan.js'

export const ALL_KINDS: readonly AnyDiscoverable[] = [...KINDS, ...DISCOVER_ONLY]

export async function discoverOwned(ctx: FindContext): Promise<Doomed[]> {
  const listed = await listAll(ctx, ALL_KINDS)
  const out: Doomed[] = []
  const seen = new Set<string>()
  const add = (kind: AnyDiscoverable, actual: Actual) => {
    const key = `${kind.kind}/${actual.id}`
    if (seen.has(key)) return
    seen.add(key)
    out.push({kind, actual})
  }
  for (const kind of ALL_KINDS) {
    for (const actual of listed.get(kind.kind) ?? []) {
      if (kind.ownership === 'tags' && !isOwned(ctx.cluster, actual.tags)) continue
      if (kind.neededOnClusterDelete && !kind.neededOnClusterDelete(actual)) continue
      add(kind, actual)
    }
  }
  const vpcs = (listed.get('Vpc') ?? []).filter((v) => isOwned(ctx.cluster, v.tags)).map((v) => v.id)
  for (const r of await relatedDependents(ctx, vpcs)) add(r.kind, r.actual)
  return out
}

/** Untagged resources that hang off owned ones and would block their deletion. */
async function relatedDependents(ctx: FindContext, ownedVpcs: string[]): Promise<Doomed[]> {
  const {DescribeInternetGatewaysCommand, DescribeAddressesCommand} = await ec2Module()
  const client = await ec2(ctx)
  const out: Doomed[] = []
  if (ownedVpcs.length > 0) {
    const igws = await client.send(
      new DescribeInternetGatewaysCommand({Filters: [{Name: 'attachment.vpc-id', Values: ownedVpcs}]}),
    )
    for (const g of igws.InternetGateways ?? []) {
      const actual = {
        id: g.InternetGatewayId!,
        attrs: {id: g.InternetGatewayId!},
        tags: fromTagList(g.Tags),
        attachedVpcs: (g.Attachments ?? []).map((a) => a.VpcId!),
      }
      out.push({kind: internetGatewayKind, actual})
    }
  }
  const natIds = [
    ...new Set(
      (await listOwnedRouteTables(ctx)).flatMap((t) =>
        (t.Routes ?? []).flatMap((r) => (r.NatGatewayId ? [r.NatGatewayId] : [])),
      ),
    ),
  ]
  const nats = await describeNatGateways(ctx, natIds)
  for (const n of nats) out.push({kind: natGatewayKind, actual: n})
  const allocations = nats.map((n) => n.allocationId).filter((a) => a !== '')
  if (allocations.length > 0) {
    const addresses = await client.send(new DescribeAddressesCommand({AllocationIds: allocations}))
    for (const a of addresses.Addresses ?? []) {
      out.push({
        kind: eipKind,
        actual: {
          id: a.AllocationId!,
          attrs: {id: a.AllocationId!, allocationId: a.AllocationId!, publicIp: a.PublicIp ?? ''},
          tags: fromTagList(a.Tags),
        },
      })
    }
  }
  return out
}
