/**
 * Security phase: a security group per role and the rules between them, IAM roles with inline
 * policies and instance profiles, the SSH key pair. (The cluster's KMS key is a prerequisite:
 * build/prerequisites.ts.)
 *
 * Rules follow kops: control-plane nodes trust each other fully (etcd 2379-2380 lives there);
 * nodes reach the control plane on everything except etcd; the control plane reaches nodes
 * fully (kubelet 10250, CNI); the API port is open to `spec.api.access` — on the load balancer
 * when there is one, the control plane then accepting it from the load balancer's group only —
 * with ICMP path-MTU discovery from the same sources; SSH only to `spec.sshAccess` (none by default).
 */
import {createHash} from 'node:crypto'
import type {InstanceGroupRole} from '../../../api/v1alpha1/types.js'
import {ref} from '../model/types.js'
import {keyPairKind, PUBLIC_KEY_TAG} from '../resources/key-pair.js'
import {securityGroupKind} from '../resources/security-group.js'
import {securityGroupRuleKind} from '../resources/security-group-rule.js'
import type {ModelBuilder} from './context.js'
import {buildIam} from './iam.js'
import {awsNames, names, type SgRole} from './names.js'

/** A CIDR, another of the cluster's groups, or the NAT gateway address of a zone. */
type Source = {cidr: string} | {group: SgRole} | {nat: string}

/** ICMP "fragmentation needed" (type 3, code 4): path-MTU discovery, as kops opens it. */
const PMTU = {protocol: 'icmp', from: 3, to: 4}

export function isWorld(cidr: string): boolean {
  return cidr === '0.0.0.0/0' || cidr === '::/0'
}

const ALL = {protocol: '-1', from: -1, to: -1}

function sourceSlug(s: Source): string {
  return 'cidr' in s ? s.cidr.replace(/[./]/g, '-') : 'nat' in s ? `nat-${s.nat}` : s.group
}

export function rolesInUse(b: ModelBuilder): Set<InstanceGroupRole> {
  return new Set(b.cluster.instanceGroups.map((g) => g.spec.role))
}

export function buildSecurityGroups(b: ModelBuilder): void {
  const {spec} = b.cluster
  const roles = rolesInUse(b)
  const withLb = spec.api.endpoint === 'loadBalancer'
  const groups: SgRole[] = ['control-plane', 'nodes']
  if (roles.has('bastion')) groups.push('bastion')
  if (withLb) groups.push('api-lb')

  for (const g of groups) {
    b.add(securityGroupKind, names.sg(g), {
      vpcId: ref(names.vpc),
      groupName: awsNames.securityGroup(g, b.name),
      description: `kforge ${g} security group for cluster ${b.name}`,
      tags: b.tags(names.sg(g), g),
    })
  }

  const rule = (
    group: SgRole,
    p: {protocol: string; from: number; to: number},
    source: Source,
    description: string,
  ) => {
    const ports =
      p.protocol === '-1' ? 'all' : p.from === -1 ? `p${p.protocol}` : `${p.protocol}-${p.from}-${p.to}`
    const name = `rule-${group}-${ports}-from-${sourceSlug(source)}`
    b.add(securityGroupRuleKind, name, {
      groupId: ref(names.sg(group)),
      protocol: p.protocol,
      fromPort: p.from,
      toPort: p.to,
      ...('cidr' in source
        ? {cidr: source.cidr}
        : 'nat' in source
          ? {sourceIp: ref(names.natEip(source.nat), 'publicIp')}
          : {sourceGroupId: ref(names.sg(source.group))}),
      description,
      tags: b.tags(name, `${group}-ingress`),
    })
  }

  rule('control-plane', ALL, {group: 'control-plane'}, 'control plane to control plane (etcd, API)')
  rule(
    'control-plane',
    {protocol: 'tcp', from: 1, to: 2378},
    {group: 'nodes'},
    'nodes to control plane, below etcd',
  )
  rule(
    'control-plane',
    {protocol: 'tcp', from: 2381, to: 65535},
    {group: 'nodes'},
    'nodes to control plane, above etcd',
  )
  rule(
    'control-plane',
    {protocol: 'udp', from: 1, to: 65535},
    {group: 'nodes'},
    'nodes to control plane (CNI, DNS)',
  )
  if (spec.networking.cni === 'calico') {
    rule('control-plane', {protocol: '4', from: -1, to: -1}, {group: 'nodes'}, 'calico IP-in-IP from nodes')
  }
  rule('nodes', ALL, {group: 'nodes'}, 'nodes to nodes')
  rule('nodes', ALL, {group: 'control-plane'}, 'control plane to nodes (kubelet, CNI)')

  const api = {protocol: 'tcp', from: spec.api.port, to: spec.api.port}
  // Where API clients arrive: the load balancer when there is one, else the control plane.
  const apiGroup: SgRole = withLb ? 'api-lb' : 'control-plane'
  if (withLb) rule('control-plane', api, {group: 'api-lb'}, 'Kubernetes API from its load balancer')
  for (const cidr of spec.api.access) {
    rule(apiGroup, api, {cidr}, 'Kubernetes API (spec.api.access)')
    rule(apiGroup, PMTU, {cidr}, 'path MTU discovery for API clients (spec.api.access)')
  }
  // An internet-facing load balancer sees the cluster's own nodes by their public addresses: in a
  // private topology those are the NAT gateways', which a restricted spec.api.access must let in.
  // (A public topology's nodes have addresses no rule can name; validation refuses that case.)
  const restricted = !spec.api.access.some(isWorld)
  if (withLb && restricted && spec.dns.type !== 'private' && spec.topology.type === 'private') {
    const natZones = [
      ...new Set(spec.networking.subnets.filter((s) => s.type === 'private').map((s) => s.zone)),
    ]
    if (!spec.cloud.aws.vpcId) {
      for (const zone of natZones) {
        rule('api-lb', api, {nat: zone}, `Kubernetes API from the cluster's NAT gateway in ${zone}`)
      }
    }
  }

  // SSH has its own list (spec.sshAccess, empty by default): an API open to the world must not
  // open SSH with it. Through the bastion when there is one; else straight to a public topology's
  // instances, and only when they have a key pair to log in with.
  const ssh = {protocol: 'tcp', from: 22, to: 22}
  if (roles.has('bastion')) {
    for (const cidr of spec.sshAccess) {
      rule('bastion', ssh, {cidr}, 'SSH to the bastion (spec.sshAccess)')
      rule('bastion', PMTU, {cidr}, 'path MTU discovery for SSH clients (spec.sshAccess)')
    }
    rule('control-plane', ssh, {group: 'bastion'}, 'SSH from the bastion')
    rule('nodes', ssh, {group: 'bastion'}, 'SSH from the bastion')
  } else if (spec.cloud.aws.sshKey && spec.topology.type === 'public') {
    for (const cidr of spec.sshAccess) {
      for (const g of ['control-plane', 'nodes'] as const) {
        rule(g, ssh, {cidr}, 'SSH (spec.sshAccess)')
        rule(g, PMTU, {cidr}, 'path MTU discovery for SSH clients (spec.sshAccess)')
      }
    }
  }
}

export function buildSecurity(b: ModelBuilder): void {
  buildSecurityGroups(b)
  buildIam(b)
  const aws = b.cluster.spec.cloud.aws
  if (aws.sshKey?.publicKey) {
    const publicKey = aws.sshKey.publicKey.trim()
    b.add(keyPairKind, names.keyPair, {
      name: awsNames.keyPair(b.name),
      publicKey,
      tags: b.tags(names.keyPair, 'ssh', {
        [PUBLIC_KEY_TAG]: createHash('sha256').update(publicKey).digest('hex'),
      }),
    })
  }
}
