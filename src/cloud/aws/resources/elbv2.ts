/**
 * Helpers the load-balancing kinds share. ELBv2 cannot filter by tag, so the account's load
 * balancers and target groups are listed (paged) and their tags read 20 at a time: the calls grow
 * with the account's load balancers, never with the cluster's instance groups.
 */
import type {
  ElasticLoadBalancingV2Client,
  LoadBalancer,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {KforgeError} from '../../../util/errors.js'
import {pollOption} from '../../../util/timings.js'
import {isNotFound} from '../model/errors.js'
import type {FindContext, Tags} from '../model/types.js'
import {poll, visible} from '../model/wait.js'
import {fromTagList, isOwned} from '../tags.js'

export function elbv2(ctx: FindContext): Promise<ElasticLoadBalancingV2Client> {
  return ctx.aws.elbv2()
}

export async function elbv2Module(): Promise<typeof import('@aws-sdk/client-elastic-load-balancing-v2')> {
  return import('@aws-sdk/client-elastic-load-balancing-v2')
}

export async function tagsOf(ctx: FindContext, arns: string[]): Promise<Map<string, Tags>> {
  const {DescribeTagsCommand} = await elbv2Module()
  const client = await elbv2(ctx)
  const out = new Map<string, Tags>()
  for (let i = 0; i < arns.length; i += 20) {
    const page = await visible(
      () => client.send(new DescribeTagsCommand({ResourceArns: arns.slice(i, i + 20)})),
      'load balancers and target groups',
      ctx.aws.timings,
    )
    for (const d of page.TagDescriptions ?? []) out.set(d.ResourceArn!, fromTagList(d.Tags))
  }
  return out
}

export function listOwnedLoadBalancers(ctx: FindContext): Promise<{lb: LoadBalancer; tags: Tags}[]> {
  return ctx.once('elbv2:LoadBalancers', async () => {
    const {paginateDescribeLoadBalancers} = await elbv2Module()
    const client = await elbv2(ctx)
    const all: LoadBalancer[] = []
    for await (const page of paginateDescribeLoadBalancers({client}, {}))
      all.push(...(page.LoadBalancers ?? []))
    const tags = await tagsOf(
      ctx,
      all.map((l) => l.LoadBalancerArn!),
    )
    return all
      .map((lb) => ({lb, tags: tags.get(lb.LoadBalancerArn!) ?? {}}))
      .filter((x) => isOwned(ctx.cluster, x.tags))
  })
}

export function listOwnedTargetGroups(ctx: FindContext): Promise<{tg: TargetGroup; tags: Tags}[]> {
  return ctx.once('elbv2:TargetGroups', async () => {
    const {paginateDescribeTargetGroups} = await elbv2Module()
    const client = await elbv2(ctx)
    const all: TargetGroup[] = []
    for await (const page of paginateDescribeTargetGroups({client}, {}))
      all.push(...(page.TargetGroups ?? []))
    const tags = await tagsOf(
      ctx,
      all.map((t) => t.TargetGroupArn!),
    )
    return all
      .map((tg) => ({tg, tags: tags.get(tg.TargetGroupArn!) ?? {}}))
      .filter((x) => isOwned(ctx.cluster, x.tags))
  })
}

/**
 * Waits until a load balancer is `active`: listeners and the records that alias it need it
 * serving, and it spends minutes `provisioning`. NotFound is read-after-write lag right after
 * the create, so it means "not visible yet".
 */
export async function waitForLoadBalancer(ctx: FindContext, arn: string, name: string): Promise<void> {
  const {DescribeLoadBalancersCommand} = await elbv2Module()
  const client = await elbv2(ctx)
  await poll(
    async (c) => {
      let lb: LoadBalancer | undefined
      try {
        lb = (await client.send(new DescribeLoadBalancersCommand({LoadBalancerArns: [arn]})))
          .LoadBalancers?.[0]
      } catch (err) {
        if (!isNotFound(err)) throw err
      }
      const state = lb?.State?.Code
      c.state(state ?? 'not visible yet')
      if (state === 'failed') {
        throw new KforgeError(`load balancer ${name} failed: ${lb?.State?.Reason ?? 'no reason given'}`)
      }
      return state === 'active' ? true : undefined
    },
    {
      what: `load balancer ${name} to become active`,
      progress: (line) => ctx.logger.info(line),
      ...pollOption(ctx.aws.timings),
    },
  )
}
