/**
 * The API endpoint: an NLB over one subnet per zone — utility
 * subnets in a private topology, public ones otherwise — with a TCP listener on the API port;
 * and the Route53 records `api.<cluster>` / `api.internal.<cluster>` unless dns.type is none.
 */
import {ref} from '../model/types.js'
import {dnsRecordKind} from '../resources/dns-record.js'
import {hostedZoneKind} from '../resources/hosted-zone.js'
import {listenerKind} from '../resources/listener.js'
import {loadBalancerKind} from '../resources/load-balancer.js'
import {apiRecordNames} from '../resources/route53.js'
import {targetGroupKind} from '../resources/target-group.js'
import type {ModelBuilder} from './context.js'
import {awsNames, names} from './names.js'

export function buildLoadBalancer(b: ModelBuilder): void {
  const {spec} = b.cluster
  const type = spec.topology.type === 'private' ? 'utility' : 'public'
  const perZone = new Map<string, string>()
  for (const s of spec.networking.subnets)
    if (s.type === type && !perZone.has(s.zone)) perZone.set(s.zone, s.name)

  b.add(loadBalancerKind, names.apiLoadBalancer, {
    name: awsNames.apiLoadBalancer(b.name),
    scheme: spec.dns.type === 'private' ? 'internal' : 'internet-facing',
    subnetIds: [...perZone.values()].map((s) => ref(names.subnet(s))),
    securityGroupIds: [ref(names.sg('api-lb'))],
    tags: b.tags(names.apiLoadBalancer, 'api'),
  })
  b.add(targetGroupKind, names.apiTargetGroup, {
    name: awsNames.apiTargetGroup(b.name),
    port: spec.api.port,
    vpcId: ref(names.vpc),
    tags: b.tags(names.apiTargetGroup, 'api'),
  })
  b.add(listenerKind, names.apiListener, {
    loadBalancerArn: ref(names.apiLoadBalancer),
    port: spec.api.port,
    targetGroupArn: ref(names.apiTargetGroup, 'arn'),
  })
  b.outputs.push({
    name: 'ApiLoadBalancerDnsName',
    description: 'The API load balancer',
    value: ref(names.apiLoadBalancer, 'dnsName'),
  })
}

export function buildDns(b: ModelBuilder): void {
  const {spec} = b.cluster
  if (spec.dns.type === 'none') return
  const priv = spec.dns.type === 'private'
  b.add(hostedZoneKind, names.hostedZone, {
    name: spec.dns.zone,
    private: priv,
    ...(priv ? {vpcId: ref(names.vpc)} : {}),
    region: spec.cloud.aws.region,
    tags: b.tags(names.hostedZone, 'dns'),
  })
  const alias = {
    dnsName: ref(names.apiLoadBalancer, 'dnsName'),
    hostedZoneId: ref(names.apiLoadBalancer, 'canonicalHostedZoneId'),
  }
  const records = apiRecordNames(b.cluster)
  for (const [name, fqdn] of [
    [names.apiRecord, records.api],
    [names.apiInternalRecord, records.internal],
  ] as const) {
    b.add(dnsRecordKind, name, {
      zoneId: ref(names.hostedZone),
      zoneName: spec.dns.zone,
      name: fqdn,
      alias,
    })
  }
  b.outputs.push({
    name: 'ApiEndpoint',
    description: 'The Kubernetes API',
    value: `https://${spec.api.dnsName}:${spec.api.port}`,
  })
}
