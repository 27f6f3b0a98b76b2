/**
 * Security phase: a security group per role and the rules between them, IAM roles with inline
 * policies and instance profiles, the cluster's KMS key, the SSH key pair.
 *
 * Rules follow kops: control-plane nodes trust each other fully (etcd 2379-2380 lives there);
 * nodes reach the control plane on everything except etcd; the control plane reaches nodes
 * fully (kubelet 10250, CNI); the API port is open to `spec.api.access` — on the load balancer
 * when there is one, the control plane then accepting it from the load balancer's group only.
 */
import {createHash} from 'node:crypto'
import type {InstanceGroupRole} from '../../../api/v1alpha1/types.js'
import {ref} from '../model/types.js'
import {keyPairKind, PUBLIC_KEY_TAG} from '../resources/key-pair.js'
import {kmsAliasKind} from '../resources/kms-alias.js'
import {kmsKeyKind} from '../resources/kms-key.js'
import {securityGroupKind} from '../resources/security-group.js'
import {securityGroupRuleKind} from '../resources/security-group-rule.js'
import type {ModelBuilder} from './context.js'
import {buildIam} from './iam.js'
import {awsNames, names, type SgRole} from './names.js'

type Source = {cidr: string} | {group: SgRole}

const ALL = {protocol: '-1', from: -1, to: -1}

function sourceSlug(s: Source): string {
  return 'cidr' in s ? s.cidr.replace(/[./]/g, '-') : s.group
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
      ...('cidr' in source ? {cidr: source.cidr} : {sourceGroupId: ref(names.sg(source.group))}),
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
  if (withLb) {
    rule('control-plane', api, {group: 'api-lb'}, 'Kubernetes API from its load balancer')
    for (const cidr of spec.api.access) rule('api-lb', api, {cidr}, 'Kubernetes API (spec.api.access)')
  } else {
    for (const cidr of spec.api.access) rule('control-plane', api, {cidr}, 'Kubernetes API (spec.api.access)')
  }

  const ssh = {protocol: 'tcp', from: 22, to: 22}
  if (roles.has('bastion')) {
    for (const cidr of spec.api.access) rule('bastion', ssh, {cidr}, 'SSH to the bastion (spec.api.access)')
    rule('control-plane', ssh, {group: 'bastion'}, 'SSH from the bastion')
    rule('nodes', ssh, {group: 'bastion'}, 'SSH from the bastion')
  } else if (spec.cloud.aws.sshKey && spec.topology.type === 'public') {
    for (const cidr of spec.api.access) {
      rule('control-plane', ssh, {cidr}, 'SSH (spec.api.access)')
      rule('nodes', ssh, {cidr}, 'SSH (spec.api.access)')
    }
  }
}

export function buildSecurity(b: ModelBuilder): void {
  buildSecurityGroups(b)
  buildIam(b)
  const aws = b.cluster.spec.cloud.aws
  if (!aws.kmsKeyArn) {
    b.add(kmsKeyKind, names.kmsKey, {
      description: `kforge cluster ${b.name}: encrypts its assets`,
      tags: b.tags(names.kmsKey, 'kms'),
    })
    b.add(kmsAliasKind, names.kmsAlias, {
      name: awsNames.kmsAlias(b.name),
      targetKeyId: ref(names.kmsKey),
    })
    b.outputs.push({name: 'KmsKeyArn', description: 'The cluster key', value: ref(names.kmsKey, 'arn')})
  }
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
