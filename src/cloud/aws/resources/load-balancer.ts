/**
 * The network load balancer in front of the control plane (spec.api.endpoint = loadBalancer).
 * Listing by the cluster tag also finds the load balancers Kubernetes made for Services, which
 * `delete cluster` removes; `update cluster` never prunes them (they lack kforge's resource tag).
 */
import type {LoadBalancer} from '@aws-sdk/client-elastic-load-balancing-v2'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, sortedStrings, tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags, Val} from '../model/types.js'
import {toTagList} from '../tags.js'
import {matchByName} from './ec2.js'
import {elbv2, elbv2Module, listOwnedLoadBalancers, tagsOf, waitForLoadBalancer} from './elbv2.js'

export interface LoadBalancerProps {
  name: string
  scheme: 'internet-facing' | 'internal'
  subnetIds: Val[]
  securityGroupIds: Val[]
  tags: Tags
}

export interface LoadBalancerActual extends Actual {
  name: string
  scheme: string
  subnetIds: string[]
  securityGroupIds: string[]
}

export const loadBalancerKind: ResourceKind<LoadBalancerProps, LoadBalancerActual> = {
  kind: 'LoadBalancer',
  phase: 'cluster',
  deleteAfter: [],
  ownership: 'tags',
  immutable: ['name', 'scheme'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    return (await listOwnedLoadBalancers(ctx)).map(({lb, tags}) => ({
      id: lb.LoadBalancerArn!,
      attrs: {
        id: lb.LoadBalancerArn!,
        arn: lb.LoadBalancerArn!,
        name: lb.LoadBalancerName ?? '',
        dnsName: lb.DNSName ?? '',
        canonicalHostedZoneId: lb.CanonicalHostedZoneId ?? '',
      },
      tags,
      name: lb.LoadBalancerName ?? '',
      scheme: lb.Scheme ?? '',
      subnetIds: sortedStrings((lb.AvailabilityZones ?? []).map((z) => z.SubnetId!)),
      securityGroupIds: sortedStrings(lb.SecurityGroups),
    }))
  },

  match: (desired, _p, candidates) => matchByName(desired, candidates),
  diff: (p, a) =>
    changes(
      ['name', p.name, a.name],
      ['scheme', p.scheme, a.scheme],
      ['subnetIds', sortedStrings(p.subnetIds), a.subnetIds],
      ['securityGroupIds', sortedStrings(p.securityGroupIds), a.securityGroupIds],
    ).concat(tagChanges(p.tags, a.tags)),

  async create(ctx, d, p) {
    const {CreateLoadBalancerCommand, DescribeLoadBalancersCommand} = await elbv2Module()
    const client = await elbv2(ctx)
    const made = (lb: LoadBalancer): LoadBalancerActual => ({
      id: lb.LoadBalancerArn!,
      attrs: {
        id: lb.LoadBalancerArn!,
        arn: lb.LoadBalancerArn!,
        name: p.name,
        dnsName: lb.DNSName ?? '',
        canonicalHostedZoneId: lb.CanonicalHostedZoneId ?? '',
      },
      tags: p.tags,
      name: p.name,
      scheme: p.scheme,
      subnetIds: sortedStrings(p.subnetIds),
      securityGroupIds: sortedStrings(p.securityGroupIds),
    })
    // AWS answers a repeated create with the same settings with the same load balancer; a
    // DuplicateLoadBalancerName (other settings, or the emulator) is adopted if it is ours.
    const lb = await createOrAdopt(ctx, {
      what: `load balancer ${p.name}`,
      logical: d.name,
      create: async () =>
        made(
          (
            await client.send(
              new CreateLoadBalancerCommand({
                Name: p.name,
                Type: 'network',
                Scheme: p.scheme,
                Subnets: p.subnetIds,
                SecurityGroups: p.securityGroupIds,
                Tags: toTagList(p.tags),
              }),
            )
          ).LoadBalancers![0]!,
        ),
      find: async () => {
        const found = (await client.send(new DescribeLoadBalancersCommand({Names: [p.name]})))
          .LoadBalancers?.[0]
        if (!found) return undefined
        const tags = (await tagsOf(ctx, [found.LoadBalancerArn!])).get(found.LoadBalancerArn!) ?? {}
        return {actual: made(found), tags}
      },
    })
    // Listeners and the records that alias it wait for it to serve: minutes of `provisioning`.
    await waitForLoadBalancer(ctx, lb.id, p.name)
    return lb
  },

  async update(ctx, _d, p, a, todo) {
    const {SetSubnetsCommand, SetSecurityGroupsCommand, AddTagsCommand} = await elbv2Module()
    const client = await elbv2(ctx)
    const fields = new Set(todo.map((c) => c.field))
    if (fields.has('subnetIds'))
      await client.send(new SetSubnetsCommand({LoadBalancerArn: a.id, Subnets: p.subnetIds}))
    if (fields.has('securityGroupIds')) {
      await client.send(
        new SetSecurityGroupsCommand({LoadBalancerArn: a.id, SecurityGroups: p.securityGroupIds}),
      )
    }
    const tags = todo.filter((c) => c.field.startsWith('tags.'))
    if (tags.length > 0) {
      await client.send(
        new AddTagsCommand({
          ResourceArns: [a.id],
          Tags: tags.map((c) => ({Key: c.field.slice(5), Value: String(c.new)})),
        }),
      )
    }
    return {
      ...a,
      subnetIds: sortedStrings(p.subnetIds),
      securityGroupIds: sortedStrings(p.securityGroupIds),
      tags: {...a.tags, ...p.tags},
    }
  },

  async delete(ctx, a) {
    const {DeleteLoadBalancerCommand} = await elbv2Module()
    const client = await elbv2(ctx)
    await idempotentDelete(() => client.send(new DeleteLoadBalancerCommand({LoadBalancerArn: a.id})))
  },

  describe: (p) => `${p.scheme} network load balancer ${p.name}`,
}
