/**
 * One ingress rule. Identity is its content (group, protocol, ports, source), so a changed source
 * CIDR is a new rule plus the removal of the old one. Rules kforge made carry its resource tag;
 * rules others added (Kubernetes' load balancer rules) carry none and are never pruned.
 */
import type {IpPermission} from '@aws-sdk/client-ec2'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {ec2, ec2Module, tagSpec} from './ec2.js'
import {listOwnedGroups} from './security-group.js'

export interface SecurityGroupRuleProps {
  groupId: Val
  /** `tcp`, `udp`, `-1` (all), or a protocol number (`4` for IP-in-IP) */
  protocol: string
  /** Both -1 when the protocol has no ports. */
  fromPort: number
  toPort: number
  /** Exactly one of cidr, sourceIp and sourceGroupId. */
  cidr?: string
  /** One address (a NAT gateway's, known only once it exists): the rule's CIDR is `<ip>/32`. */
  sourceIp?: Val
  sourceGroupId?: Val
  description: string
  tags: Tags
}

export interface SecurityGroupRuleActual extends Actual {
  groupId: string
  protocol: string
  fromPort: number
  toPort: number
  cidr?: string
  sourceGroupId?: string
}

/** The rule's CIDR source: `cidr`, or `sourceIp` as a /32. */
function cidrOf(p: {cidr?: string; sourceIp?: string}): string | undefined {
  return p.cidr ?? (p.sourceIp ? `${p.sourceIp}/32` : undefined)
}

/** ICMP's "ports" are its type (from) and code (to): path-MTU discovery is type 3, code 4. */
function hasPorts(protocol: string | undefined): boolean {
  return protocol === 'tcp' || protocol === 'udp' || protocol === 'icmp'
}

const WORLD = new Set(['0.0.0.0/0', '::/0'])

function sameRule(
  p: Omit<SecurityGroupRuleProps, 'tags' | 'description' | 'sourceIp'> & {sourceIp?: string},
  a: SecurityGroupRuleActual,
): boolean {
  return (
    p.groupId === a.groupId &&
    p.protocol === a.protocol &&
    p.fromPort === a.fromPort &&
    p.toPort === a.toPort &&
    (cidrOf(p) ?? '') === (a.cidr ?? '') &&
    (p.sourceGroupId ?? '') === (a.sourceGroupId ?? '')
  )
}

function permission(p: {
  protocol: string
  fromPort: number
  toPort: number
  cidr?: string
  sourceIp?: string
  sourceGroupId?: string
  description?: string
}): IpPermission {
  // AWS ignores ports for protocols without them; -1 says so explicitly (and the emulator needs it).
  const numbered = hasPorts(p.protocol)
  const cidr = cidrOf(p)
  return {
    IpProtocol: p.protocol,
    FromPort: numbered ? p.fromPort : -1,
    ToPort: numbered ? p.toPort : -1,
    ...(cidr ? {IpRanges: [{CidrIp: cidr, Description: p.description}]} : {}),
    ...(p.sourceGroupId ? {UserIdGroupPairs: [{GroupId: p.sourceGroupId, Description: p.description}]} : {}),
  }
}

async function listRules(ctx: FindContext, only?: string): Promise<SecurityGroupRuleActual[]> {
  const groups = only ? [only] : (await listOwnedGroups(ctx)).map((g) => g.GroupId!)
  if (groups.length === 0) return []
  const {paginateDescribeSecurityGroupRules} = await ec2Module()
  const client = await ec2(ctx)
  const out: SecurityGroupRuleActual[] = []
  for await (const page of paginateDescribeSecurityGroupRules(
    {client},
    {Filters: [{Name: 'group-id', Values: groups}], MaxResults: 1000},
  )) {
    for (const r of page.SecurityGroupRules ?? []) {
      if (r.IsEgress) continue
      const numbered = hasPorts(r.IpProtocol)
      out.push({
        id: r.SecurityGroupRuleId!,
        attrs: {id: r.SecurityGroupRuleId!},
        tags: fromTagList(r.Tags),
        groupId: r.GroupId!,
        protocol: r.IpProtocol ?? '-1',
        fromPort: numbered ? (r.FromPort ?? -1) : -1,
        toPort: numbered ? (r.ToPort ?? -1) : -1,
        ...(r.CidrIpv4 ? {cidr: r.CidrIpv4} : {}),
        ...(r.ReferencedGroupInfo?.GroupId ? {sourceGroupId: r.ReferencedGroupInfo.GroupId} : {}),
      })
    }
  }
  return out
}

export const securityGroupRuleKind: ResourceKind<SecurityGroupRuleProps, SecurityGroupRuleActual> = {
  kind: 'SecurityGroupRule',
  phase: 'security',
  deleteAfter: [],
  ownership: 'parent',
  immutable: [],
  onImmutableChange: 'replace',
  prune: true,

  list: (ctx) => listRules(ctx),
  // A rule goes with its group; only references between groups must go first, or they block.
  neededOnClusterDelete: (a) => a.sourceGroupId !== undefined,

  match: (_desired, props, candidates) => candidates.find((a) => sameRule(props, a)),

  // Every field is identity; a rule that matches is the rule.
  diff: () => [],

  async create(ctx, d, p) {
    const {AuthorizeSecurityGroupIngressCommand} = await ec2Module()
    const client = await ec2(ctx)
    return createOrAdopt(ctx, {
      what: `security group rule ${d.name} (${this.describe(p)} in ${p.groupId})`,
      create: async () => {
        const out = await client.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: p.groupId,
            IpPermissions: [permission(p)],
            TagSpecifications: tagSpec('security-group-rule', p.tags),
          }),
        )
        const id =
          out.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? `${p.groupId}/${p.protocol}/${p.fromPort}`
        return {
          id,
          attrs: {id},
          tags: p.tags,
          groupId: p.groupId,
          protocol: p.protocol,
          fromPort: p.fromPort,
          toPort: p.toPort,
          ...(cidrOf(p) ? {cidr: cidrOf(p)!} : {}),
          ...(p.sourceGroupId ? {sourceGroupId: p.sourceGroupId} : {}),
        }
      },
      // InvalidPermission.Duplicate: the rule is in our group (its owner), whoever added it.
      find: async () => {
        const rule = (await listRules(ctx, p.groupId)).find((a) => sameRule(p, a))
        return rule ? {actual: rule} : undefined
      },
    })
  },

  update: async (_ctx, _d, _p, a) => a,

  async delete(ctx, a) {
    const {RevokeSecurityGroupIngressCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() =>
      client.send(new RevokeSecurityGroupIngressCommand({GroupId: a.groupId, SecurityGroupRuleIds: [a.id]})),
    )
  },

  describe: (p) => {
    const ports =
      p.protocol === 'icmp'
        ? `type ${p.fromPort} code ${p.toPort}`
        : p.fromPort === -1
          ? 'all'
          : p.fromPort === p.toPort
            ? `${p.fromPort}`
            : `${p.fromPort}-${p.toPort}`
    const proto = p.protocol === '-1' ? 'all' : p.protocol
    return `${proto}/${ports} from ${cidrOf(p) ?? p.sourceGroupId}`
  },

  openToWorld: (p) => WORLD.has(p.cidr ?? ''),
}
