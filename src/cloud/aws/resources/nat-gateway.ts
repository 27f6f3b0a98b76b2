/**
 * A NAT gateway per zone for the private subnets (private topology), in that zone's utility
 * subnet. The emulator ignores tag filters on DescribeNatGateways, so ownership is checked on
 * what comes back; deleted gateways linger in the listing and are skipped.
 */
import type {NatGateway} from '@aws-sdk/client-ec2'
import {KforgeError} from '../../../util/errors.js'
import {pollOption} from '../../../util/timings.js'
import {idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import {isNotFound} from '../model/errors.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {poll} from '../model/wait.js'
import {fromTagList, isOwned} from '../tags.js'
import {createTags, ec2, ec2Module, matchByName, ownedFilter, tagSpec, tagsFrom} from './ec2.js'

export interface NatGatewayProps {
  subnetId: Val
  allocationId: Val
  tags: Tags
}

export interface NatGatewayActual extends Actual {
  subnetId: string
  allocationId: string
  state: string
}

const LIVE = ['pending', 'available']

function toActual(g: NatGateway): NatGatewayActual {
  const allocationId = g.NatGatewayAddresses?.[0]?.AllocationId ?? ''
  return {
    id: g.NatGatewayId!,
    attrs: {id: g.NatGatewayId!},
    tags: fromTagList(g.Tags),
    subnetId: g.SubnetId ?? '',
    allocationId,
    state: g.State ?? '',
  }
}

/** Live NAT gateways with these ids, whoever tagged them (found through an owned route table's routes). */
export async function describeNatGateways(ctx: FindContext, ids: string[]): Promise<NatGatewayActual[]> {
  if (ids.length === 0) return []
  const {DescribeNatGatewaysCommand} = await ec2Module()
  const out = await (await ec2(ctx)).send(new DescribeNatGatewaysCommand({NatGatewayIds: ids}))
  return (out.NatGateways ?? []).filter((g) => LIVE.includes(g.State ?? '')).map(toActual)
}

/**
 * Polls one gateway until it is in `state`. A NotFound answer means "not visible yet" while
 * waiting for it to become available (read-after-write lag), and "gone" while waiting for its
 * deletion. A NAT gateway takes minutes to leave `pending`.
 */
export async function waitForNatGateway(
  ctx: FindContext,
  id: string,
  state: 'available' | 'deleted',
): Promise<void> {
  const {DescribeNatGatewaysCommand} = await ec2Module()
  const client = await ec2(ctx)
  const what =
    state === 'available' ? `NAT gateway ${id} to become available` : `NAT gateway ${id} to be deleted`
  await poll(
    async (c) => {
      let g: NatGateway | undefined
      try {
        g = (await client.send(new DescribeNatGatewaysCommand({NatGatewayIds: [id]}))).NatGateways?.[0]
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      if (!g) {
        c.state('not visible yet')
        return state === 'deleted' ? true : undefined
      }
      c.state(g.State ?? 'unknown')
      if (g.State === 'failed') {
        if (state === 'deleted') return true
        throw new KforgeError(
          `NAT gateway ${id} failed: ${g.FailureCode ?? ''} ${g.FailureMessage ?? ''}`.trim(),
        )
      }
      return g.State === state ? true : undefined
    },
    {what, progress: (line) => ctx.logger.info(line), ...pollOption(ctx.aws.timings)},
  )
}

export const natGatewayKind: ResourceKind<NatGatewayProps, NatGatewayActual> = {
  kind: 'NatGateway',
  phase: 'network',
  deleteAfter: ['AutoScalingGroup', 'Instance'],
  ownership: 'tags',
  immutable: ['subnetId', 'allocationId'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    const {paginateDescribeNatGateways} = await ec2Module()
    const client = await ec2(ctx)
    const out: NatGatewayActual[] = []
    for await (const page of paginateDescribeNatGateways(
      {client},
      {Filter: [...ownedFilter(ctx.cluster), {Name: 'state', Values: LIVE}], MaxResults: 1000},
    )) {
      for (const g of page.NatGateways ?? []) {
        const a = toActual(g)
        if (LIVE.includes(a.state) && isOwned(ctx.cluster, a.tags)) out.push(a)
      }
    }
    return out
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),
  diff: (p, a) =>
    changes(['subnetId', p.subnetId, a.subnetId], ['allocationId', p.allocationId, a.allocationId]).concat(
      tagChanges(p.tags, a.tags),
    ),

  async create(ctx, _d, p) {
    const {CreateNatGatewayCommand} = await ec2Module()
    // The client token makes a retried create return the first attempt's gateway.
    const out = await (await ec2(ctx)).send(
      new CreateNatGatewayCommand({
        SubnetId: p.subnetId,
        AllocationId: p.allocationId,
        ClientToken: ctx.token('nat', ctx.cluster, p.subnetId, p.allocationId),
        TagSpecifications: tagSpec('natgateway', p.tags),
      }),
    )
    const id = out.NatGateway!.NatGatewayId!
    // Routes through it are refused until it is available.
    await waitForNatGateway(ctx, id, 'available')
    return {
      id,
      attrs: {id},
      tags: p.tags,
      subnetId: p.subnetId,
      allocationId: p.allocationId,
      state: 'available',
    }
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteNatGatewayCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DeleteNatGatewayCommand({NatGatewayId: a.id})))
    // Its address cannot be released, nor the subnet deleted, until it is gone.
    await waitForNatGateway(ctx, a.id, 'deleted')
  },

  describe: (p) => `in ${p.subnetId}`,
}
