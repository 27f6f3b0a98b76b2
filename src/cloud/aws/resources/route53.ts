/** Helpers the Route53 kinds share: the zone the spec names, the API record names. */
import type {HostedZone, Route53Client} from '@aws-sdk/client-route-53'
import type {Cluster} from '../../../api/v1alpha1/types.js'
import type {FindContext, Tags} from '../model/types.js'

export function route53(ctx: FindContext): Promise<Route53Client> {
  return ctx.aws.route53()
}

export async function route53Module(): Promise<typeof import('@aws-sdk/client-route-53')> {
  return import('@aws-sdk/client-route-53')
}

export function fqdn(name: string): string {
  return name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`
}

export function zoneId(id: string): string {
  return id.replace(/^\/hostedzone\//, '')
}

/** `api.<cluster>` (spec.api.dnsName) for clients, `api.internal.<cluster>` for nodes. */
export function apiRecordNames(cluster: Cluster): {api: string; internal: string} {
  return {api: fqdn(cluster.spec.api.dnsName), internal: fqdn(`api.internal.${cluster.name}`)}
}

export interface ZoneFound {
  zone: HostedZone
  tags: Tags
}

/** The zones named spec.dns.zone (a public and a private one may share the name), with tags. */
export function listSpecZones(ctx: FindContext): Promise<ZoneFound[]> {
  return ctx.once('route53:zones', async () => {
    const spec = ctx.spec?.spec
    if (!spec || spec.dns.type === 'none' || spec.dns.zone === '') return []
    const {ListHostedZonesByNameCommand, ListTagsForResourcesCommand} = await route53Module()
    const client = await route53(ctx)
    const name = fqdn(spec.dns.zone)
    const out = await client.send(new ListHostedZonesByNameCommand({DNSName: name, MaxItems: 20}))
    const zones = (out.HostedZones ?? []).filter((z) => fqdn(z.Name ?? '') === name)
    if (zones.length === 0) return []
    const tagged = await client.send(
      new ListTagsForResourcesCommand({
        ResourceType: 'hostedzone',
        ResourceIds: zones.map((z) => zoneId(z.Id!)),
      }),
    )
    const tags = new Map<string, Tags>()
    for (const set of tagged.ResourceTagSets ?? []) {
      const t: Tags = {}
      for (const tag of set.Tags ?? []) if (tag.Key) t[tag.Key] = tag.Value ?? ''
      tags.set(set.ResourceId!, t)
    }
    return zones.map((zone) => ({zone, tags: tags.get(zoneId(zone.Id!)) ?? {}}))
  })
}
