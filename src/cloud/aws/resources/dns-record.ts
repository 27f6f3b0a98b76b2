/**
 * The API's DNS records. With a load balancer both names alias it; without one (endpoint: dns)
 * they start as kops's placeholder address, and whatever later points them at the control plane
 * owns their value (kforge does not set it back).
 */
import type {ResourceRecordSet} from '@aws-sdk/client-route-53'
import {idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {apiRecordNames, fqdn, listSpecZones, route53, route53Module, zoneId} from './route53.js'

export const PLACEHOLDER_ADDRESS = '203.0.113.123'

export interface DnsRecordProps {
  zoneId: Val
  /** Names the zone in CloudFormation (HostedZoneName). */
  zoneName: string
  name: string
  alias?: {dnsName: Val; hostedZoneId: Val}
  /** Set only at creation (a placeholder) when there is no alias. */
  address?: string
}

export interface DnsRecordActual extends Actual {
  zoneId: string
  name: string
  record: ResourceRecordSet
}

function recordSet(p: {
  name: string
  alias?: {dnsName: string; hostedZoneId: string}
  address?: string
}): ResourceRecordSet {
  return p.alias
    ? {
        Name: p.name,
        Type: 'A',
        AliasTarget: {
          DNSName: p.alias.dnsName,
          HostedZoneId: p.alias.hostedZoneId,
          EvaluateTargetHealth: false,
        },
      }
    : {Name: p.name, Type: 'A', TTL: 60, ResourceRecords: [{Value: p.address ?? PLACEHOLDER_ADDRESS}]}
}

async function change(
  zone: string,
  action: 'UPSERT' | 'DELETE',
  record: ResourceRecordSet,
  ctx: Parameters<typeof route53>[0],
) {
  const {ChangeResourceRecordSetsCommand} = await route53Module()
  await (await route53(ctx)).send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zone,
      ChangeBatch: {Changes: [{Action: action, ResourceRecordSet: record}]},
    }),
  )
}

export const dnsRecordKind: ResourceKind<DnsRecordProps, DnsRecordActual> = {
  kind: 'DnsRecord',
  phase: 'cluster',
  deleteAfter: [],
  ownership: 'parent',
  immutable: ['zoneId', 'name'],
  onImmutableChange: 'replace',
  prune: false,

  async list(ctx) {
    if (!ctx.spec) return []
    const names = Object.values(apiRecordNames(ctx.spec))
    const {ListResourceRecordSetsCommand} = await route53Module()
    const client = await route53(ctx)
    const out: DnsRecordActual[] = []
    for (const {zone} of await listSpecZones(ctx)) {
      const id = zoneId(zone.Id!)
      // Route53 lists records sorted by name with labels reversed: start at the first of ours.
      const reversed = (n: string) => n.split('.').reverse().join('.')
      const sorted = [...names].sort((a, b) => reversed(a).localeCompare(reversed(b)))
      let start: {StartRecordName?: string; StartRecordType?: 'A'} = {StartRecordName: sorted[0]!}
      for (;;) {
        const page = await client.send(
          new ListResourceRecordSetsCommand({HostedZoneId: id, MaxItems: 100, ...start}),
        )
        for (const r of page.ResourceRecordSets ?? []) {
          if (r.Type !== 'A' || !names.includes(fqdn(r.Name ?? ''))) continue
          const rid = `${id}|${fqdn(r.Name!)}`
          out.push({id: rid, attrs: {id: rid}, tags: {}, zoneId: id, name: fqdn(r.Name!), record: r})
        }
        if (!page.IsTruncated || out.length === names.length) break
        start = {StartRecordName: page.NextRecordName!, StartRecordType: page.NextRecordType as 'A'}
      }
    }
    return out
  },

  match: (_d, p, candidates) => candidates.find((c) => c.zoneId === p.zoneId && c.name === fqdn(p.name)),

  diff: (p, a) => {
    const have = a.record.AliasTarget
    return changes(
      ['alias.dnsName', p.alias ? fqdn(p.alias.dnsName) : undefined, have ? fqdn(have.DNSName ?? '') : null],
      ['alias.hostedZoneId', p.alias?.hostedZoneId, have?.HostedZoneId ?? null],
    )
  },

  // UPSERT: a retried call is harmless.
  async create(ctx, _d, p) {
    await change(p.zoneId, 'UPSERT', recordSet(p), ctx)
    const id = `${p.zoneId}|${fqdn(p.name)}`
    return {id, attrs: {id}, tags: {}, zoneId: p.zoneId, name: fqdn(p.name), record: recordSet(p)}
  },

  async update(ctx, d, p) {
    return this.create(ctx, d, p)
  },

  async delete(ctx, a) {
    // A record already gone (a retried call's first attempt) answers InvalidChangeBatch "not found".
    await idempotentDelete(() => change(a.zoneId, 'DELETE', a.record, ctx), [/not found/i])
  },

  describe: (p) => `${p.name} → ${p.alias ? p.alias.dnsName : (p.address ?? PLACEHOLDER_ADDRESS)}`,
}
