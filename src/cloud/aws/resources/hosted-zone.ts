/**
 * The Route53 zone the API records live in (spec.dns.zone). kforge uses an existing zone as it
 * is (never changes or deletes it); when there is none it creates one, tagged as the cluster's,
 * and deletes it with the cluster only if nothing but its own records remain. Route53 cannot tag
 * in CreateHostedZone, so tagging is a second call. The CloudFormation stack expects the zone to
 * exist (its records name it by HostedZoneName).
 */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags, Val} from '../model/types.js'
import {isOwned} from '../tags.js'
import {fqdn, listSpecZones, route53, route53Module, zoneId} from './route53.js'

export interface HostedZoneProps {
  name: string
  private: boolean
  /** For a private zone: the VPC it answers in. */
  vpcId?: Val
  region: string
  tags: Tags
}

export interface HostedZoneActual extends Actual {
  name: string
  private: boolean
  owned: boolean
}

export const hostedZoneKind: ResourceKind<HostedZoneProps, HostedZoneActual> = {
  kind: 'HostedZone',
  phase: 'cluster',
  deleteAfter: ['DnsRecord'],
  ownership: 'tags',
  immutable: ['name', 'private'],
  onImmutableChange: 'refuse',
  prune: false,

  async list(ctx) {
    return (await listSpecZones(ctx)).map(({zone, tags}) => {
      const id = zoneId(zone.Id!)
      return {
        id,
        attrs: {id, name: fqdn(zone.Name!)},
        tags,
        name: fqdn(zone.Name!),
        private: zone.Config?.PrivateZone ?? false,
        owned: isOwned(ctx.cluster, tags),
      }
    })
  },

  match: (_d, p, candidates) => candidates.find((c) => c.name === fqdn(p.name) && c.private === p.private),
  // A zone kforge did not make is used as it is.
  diff: (p, a) => (a.owned ? tagChanges(p.tags, a.tags) : []),

  async create(ctx, d, p) {
    const {
      CreateHostedZoneCommand,
      ChangeTagsForResourceCommand,
      ListHostedZonesByNameCommand,
      GetHostedZoneCommand,
    } = await route53Module()
    const client = await route53(ctx)
    // The CallerReference is Route53's idempotency token: a retried create answers
    // HostedZoneAlreadyExists, and the zone is found by name. Derived from the run's inputs
    // (and the VPC for a private zone), so a re-run after a lost answer repeats it.
    const reference = `kforge-${ctx.token('zone', ctx.cluster, p.name, String(p.private), p.vpcId ?? '').slice(0, 48)}`
    const id = await createOrAdopt(ctx, {
      what: `hosted zone ${p.name}`,
      logical: d.name,
      create: async () =>
        zoneId(
          (
            await client.send(
              new CreateHostedZoneCommand({
                Name: p.name,
                CallerReference: reference,
                HostedZoneConfig: {
                  PrivateZone: p.private,
                  Comment: `kforge: made for cluster ${ctx.cluster}`,
                },
                ...(p.private && p.vpcId ? {VPC: {VPCId: p.vpcId, VPCRegion: p.region as 'us-east-1'}} : {}),
              }),
            )
          ).HostedZone!.Id!,
        ),
      // Tagging is a second call, which a lost answer may have prevented: our CallerReference
      // proves the zone is the one this create made.
      find: async () => {
        const zones = (await client.send(new ListHostedZonesByNameCommand({DNSName: p.name, MaxItems: 20})))
          .HostedZones
        for (const z of zones ?? []) {
          if (fqdn(z.Name ?? '') !== fqdn(p.name) || (z.Config?.PrivateZone ?? false) !== p.private) continue
          const zone = (await client.send(new GetHostedZoneCommand({Id: zoneId(z.Id!)}))).HostedZone
          if (zone?.CallerReference === reference) return {actual: zoneId(z.Id!)}
        }
        return undefined
      },
    })
    await client.send(
      new ChangeTagsForResourceCommand({
        ResourceType: 'hostedzone',
        ResourceId: id,
        AddTags: Object.entries(p.tags).map(([Key, Value]) => ({Key, Value})),
      }),
    )
    return {
      id,
      attrs: {id, name: fqdn(p.name)},
      tags: p.tags,
      name: fqdn(p.name),
      private: p.private,
      owned: true,
    }
  },

  async update(ctx, _d, p, a, todo) {
    const {ChangeTagsForResourceCommand} = await route53Module()
    const tags = todo.filter((c) => c.field.startsWith('tags.'))
    if (tags.length > 0) {
      await (await route53(ctx)).send(
        new ChangeTagsForResourceCommand({
          ResourceType: 'hostedzone',
          ResourceId: a.id,
          AddTags: tags.map((c) => ({Key: c.field.slice(5), Value: String(c.new)})),
        }),
      )
    }
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {ListResourceRecordSetsCommand, DeleteHostedZoneCommand} = await route53Module()
    const client = await route53(ctx)
    const records = await client.send(new ListResourceRecordSetsCommand({HostedZoneId: a.id, MaxItems: 10}))
    const others = (records.ResourceRecordSets ?? []).filter((r) => r.Type !== 'SOA' && r.Type !== 'NS')
    if (others.length > 0) {
      ctx.logger.warn(`keeping hosted zone ${a.name} (${a.id}): it holds records that are not this cluster's`)
      return
    }
    await idempotentDelete(() => client.send(new DeleteHostedZoneCommand({Id: a.id})))
  },

  describe: (p) => `${p.private ? 'private' : 'public'} zone ${p.name}`,
}
