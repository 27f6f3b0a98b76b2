/** Logical names (model keys, CloudFormation ids) and AWS names with their length limits. */
import {createHash} from 'node:crypto'
import type {InstanceGroupRole} from '../../../api/v1alpha1/types.js'

export type SgRole = 'control-plane' | 'nodes' | 'bastion' | 'api-lb'

export const ROLE_SG: Record<InstanceGroupRole, SgRole> = {
  'control-plane': 'control-plane',
  node: 'nodes',
  bastion: 'bastion',
}

/** The IAM role (and profile) an instance-group role uses; one per role, however many groups. */
export const ROLE_IAM: Record<InstanceGroupRole, 'control-plane' | 'nodes' | 'bastion'> = {
  'control-plane': 'control-plane',
  node: 'nodes',
  bastion: 'bastion',
}

export const names = {
  vpc: 'vpc',
  igw: 'igw',
  igwAttachment: 'igw-attachment',
  subnet: (subnet: string) => `subnet-${subnet}`,
  publicRouteTable: 'rtb-public',
  publicDefaultRoute: 'route-public-default',
  privateRouteTable: (zone: string) => `rtb-private-${zone}`,
  privateDefaultRoute: (zone: string) => `route-private-${zone}-default`,
  association: (subnet: string) => `rtba-${subnet}`,
  natEip: (zone: string) => `eip-nat-${zone}`,
  nat: (zone: string) => `nat-${zone}`,
  sg: (role: SgRole) => `sg-${role}`,
  role: (role: string) => `role-${role}`,
  policy: (role: string) => `policy-${role}`,
  profile: (role: string) => `profile-${role}`,
  kmsKey: 'kms-key',
  kmsAlias: 'kms-alias',
  keyPair: 'keypair',
  launchTemplate: (group: string) => `lt-${group}`,
  asg: (group: string) => `asg-${group}`,
  apiLoadBalancer: 'api-lb',
  apiTargetGroup: 'api-tg',
  apiListener: 'api-listener',
  hostedZone: 'dns-zone',
  apiRecord: 'dns-api',
  apiInternalRecord: 'dns-api-internal',
}

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length)
}

/**
 * `<prefix>-<cluster as dashes>` within `max` characters of [a-zA-Z0-9-] (load balancer and target
 * group names: 32); too long, it keeps a prefix and adds a hash of the whole cluster name.
 */
export function shortName(prefix: string, cluster: string, max = 32): string {
  const slug = cluster.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '')
  const full = `${prefix}-${slug}`
  if (full.length <= max) return full
  const h = hash(cluster, 6)
  return `${full.slice(0, max - h.length - 1).replace(/-$/, '')}-${h}`
}

/** `<what>.<cluster>` within `max` characters (IAM role and profile names: 64). */
export function dottedName(what: string, cluster: string, max = 64): string {
  const full = `${what}.${cluster}`
  if (full.length <= max) return full
  const h = hash(full, 8)
  return `${full.slice(0, max - h.length - 1)}-${h}`
}

export function keyPairName(cluster: string): string {
  return `kforge-${cluster}`
}
