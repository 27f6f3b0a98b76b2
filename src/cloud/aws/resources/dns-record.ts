/**
 * The API's DNS records: both names alias the API load balancer. (The retired `endpoint: dns`
 * wrote kops's placeholder address here; an update turns such a record into the alias.)
 */
import type {ResourceRecordSet} from '@aws-sdk/client-route-53'
import {idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {apiRecordNames, fqdn, listSpecZones, route53, route53Module, zoneId} from './route53.js'

export interface DnsRecordProps {
  zoneId: Val
  /** Names the zone in CloudFormation (HostedZoneName). */
  zoneName: string
  name: string
  alias: {dnsName: Val; hostedZoneId: Val}
}

export interface DnsRecordActual extends Actual {
  zoneId: string
  name: string
  record: ResourceRecordSet
}

function recordSet(p: {name: string; alias: {dnsName: string; hostedZoneId: string}}): ResourceRecordSet {
  return {
    Name: p.name,
    Type: 'A',
    AliasTarget: {DNSName: p.alias.dnsName, HostedZoneId: p.alias.hostedZoneId, EvaluateTargetHealth: false},
  }
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
      ['alias.dnsName', fqdn(p.alias.dnsName), have ? fqdn(have.DNSName ?? '') : null],
      ['alias.hostedZoneId', p.alias.hostedZoneId, have?.HostedZoneId ?? null],
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

  describe: (p) => `${p.name} → ${p.alias.dnsName}`,
}
