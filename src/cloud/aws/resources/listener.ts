/** The API listener: TCP on the API port, forwarding to the target group. */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {visible} from '../model/wait.js'
import {elbv2, elbv2Module, listOwnedLoadBalancers, waitForLoadBalancer} from './elbv2.js'

export interface ListenerProps {
  loadBalancerArn: Val
  port: number
  targetGroupArn: Val
}

export interface ListenerActual extends Actual {
  loadBalancerArn: string
  port: number
  targetGroupArn: string
}

export const listenerKind: ResourceKind<ListenerProps, ListenerActual> = {
  kind: 'Listener',
  phase: 'cluster',
  deleteAfter: [],
  ownership: 'parent',
  immutable: ['loadBalancerArn', 'port'],
  onImmutableChange: 'replace',
  prune: false,

  async list(ctx) {
    const {paginateDescribeListeners} = await elbv2Module()
    const client = await elbv2(ctx)
    const out: ListenerActual[] = []
    for (const {lb} of await listOwnedLoadBalancers(ctx)) {
      const listeners = await visible(
        async () => {
          const all = []
          for await (const page of paginateDescribeListeners(
            {client},
            {LoadBalancerArn: lb.LoadBalancerArn!},
          )) {
            all.push(...(page.Listeners ?? []))
          }
          return all
        },
        `load balancer ${lb.LoadBalancerName}`,
        ctx.aws.timings,
      )
      for (const l of listeners) {
        out.push({
          id: l.ListenerArn!,
          attrs: {id: l.ListenerArn!, arn: l.ListenerArn!},
          tags: {},
          loadBalancerArn: lb.LoadBalancerArn!,
          port: l.Port ?? 0,
          targetGroupArn: l.DefaultActions?.[0]?.TargetGroupArn ?? '',
        })
      }
    }
    return out
  },

  match: (_d, p, candidates) =>
    candidates.find((c) => c.loadBalancerArn === p.loadBalancerArn && c.port === p.port),
  diff: (p, a) => changes(['targetGroupArn', p.targetGroupArn, a.targetGroupArn]),

  async create(ctx, d, p) {
    const {CreateListenerCommand, DescribeListenersCommand} = await elbv2Module()
    const client = await elbv2(ctx)
    // A load balancer a killed run left provisioning is not ready for listeners yet.
    await waitForLoadBalancer(ctx, p.loadBalancerArn, p.loadBalancerArn.split('/').slice(-2, -1)[0] ?? '')
    return createOrAdopt(ctx, {
      what: `listener ${d.name} (TCP ${p.port})`,
      create: async () => {
        const out = await client.send(
          new CreateListenerCommand({
            LoadBalancerArn: p.loadBalancerArn,
            Protocol: 'TCP',
            Port: p.port,
            DefaultActions: [{Type: 'forward', TargetGroupArn: p.targetGroupArn}],
          }),
        )
        const arn = out.Listeners![0]!.ListenerArn!
        return {id: arn, attrs: {id: arn, arn}, tags: {}, ...p}
      },
      // DuplicateListener: the port is taken on our load balancer (its owner).
      find: async () => {
        const l = (
          await client.send(new DescribeListenersCommand({LoadBalancerArn: p.loadBalancerArn}))
        ).Listeners?.find((x) => x.Port === p.port)
        if (!l) return undefined
        const arn = l.ListenerArn!
        return {
          actual: {
            id: arn,
            attrs: {id: arn, arn},
            tags: {},
            loadBalancerArn: p.loadBalancerArn,
            port: p.port,
            targetGroupArn: l.DefaultActions?.[0]?.TargetGroupArn ?? '',
          },
        }
      },
    })
  },

  async update(ctx, _d, p, a) {
    const {ModifyListenerCommand} = await elbv2Module()
    await (await elbv2(ctx)).send(
      new ModifyListenerCommand({
        ListenerArn: a.id,
        DefaultActions: [{Type: 'forward', TargetGroupArn: p.targetGroupArn}],
      }),
    )
    return {...a, targetGroupArn: p.targetGroupArn}
  },

  async delete(ctx, a) {
    const {DeleteListenerCommand} = await elbv2Module()
    const client = await elbv2(ctx)
    await idempotentDelete(() => client.send(new DeleteListenerCommand({ListenerArn: a.id})))
  },
  // It goes with its load balancer.
  neededOnClusterDelete: () => false,

  describe: (p) => `TCP ${p.port}`,
}
