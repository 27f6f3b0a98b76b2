/** Spec → resource model: what each topology gets, the security rules, the tags. Pure, no cloud. */
import {describe, expect, it} from 'vitest'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {KFORGE_GROUP_ONLY_TAGS, KFORGE_GROUP_TAGS} from '../../../../src/api/v1alpha1/validate-groups.js'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {awsNames} from '../../../../src/cloud/aws/build/names.js'
import type {Desired, Model} from '../../../../src/cloud/aws/model/types.js'
import {Ref} from '../../../../src/cloud/aws/model/types.js'
import type {SecurityGroupRuleProps} from '../../../../src/cloud/aws/resources/security-group-rule.js'
import {KforgeError} from '../../../../src/util/errors.js'
import {haPrivateCluster, publicSingleCluster, SSH_PUBLIC_KEY} from '../../../fixtures/cloud/clusters.js'

const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = (c: Cluster): Model =>
  buildModel(c, {
    images: new Map(c.instanceGroups.map((g) => [g.name, image])),
    userData: (g) => `#cloud-config\n# ${g}\n`,
  })
const ofKind = (m: Model, kind: string) => m.resources.filter((r) => r.kind === kind)
const named = (m: Model, name: string) =>
  m.resources.find((r) => r.name === name) as Desired<Record<string, unknown>>

describe('3-zone HA private model', () => {
  const m = model(haPrivateCluster('ha.build.example.com'))

  it('has a NAT gateway, address and private route table per zone; one public route table', () => {
    const count = (kind: string) => ofKind(m, kind).length
    expect(count('Subnet')).toBe(6)
    expect(count('NatGateway')).toBe(3)
    expect(count('Eip')).toBe(3)
    expect(count('RouteTable')).toBe(4)
    expect(count('RouteTableAssociation')).toBe(6)
    expect(count('AutoScalingGroup')).toBe(5)
    expect(count('IamRole')).toBe(3)
    expect(count('LoadBalancer')).toBe(1)
    expect(count('DnsRecord')).toBe(2)
    expect(count('KmsKey')).toBe(1)
    expect(count('KeyPair')).toBe(1)
  })

  it('opens etcd to control-plane nodes only, the API port to spec.api.access on the load balancer', () => {
    const rules = ofKind(m, 'SecurityGroupRule').map((r) => r.props as SecurityGroupRuleProps)
    const into = (g: string) => rules.filter((r) => (r.groupId as Ref).target === `sg-${g}`)
    const covers = (r: SecurityGroupRuleProps, port: number) =>
      r.protocol === '-1' || (r.protocol === 'tcp' && r.fromPort <= port && port <= r.toPort)
    for (const port of [2379, 2380]) {
      const open = into('control-plane').filter((r) => covers(r, port))
      expect(open.map((r) => (r.sourceGroupId as Ref).target)).toEqual(['sg-control-plane'])
    }
    expect(into('control-plane').some((r) => r.cidr !== undefined && r.cidr !== '')).toBe(false)
    expect(
      into('api-lb').map((r) => [r.protocol, r.cidr ?? (r.sourceIp as Ref).target, r.fromPort, r.toPort]),
    ).toEqual([
      ['tcp', '203.0.113.0/24', 6443, 6443],
      // Path-MTU discovery (ICMP type 3 code 4) from the same clients, as kops opens it.
      ['icmp', '203.0.113.0/24', 3, 4],
      // spec.api.access is restricted: the cluster's own instances come through their NAT gateways.
      ['tcp', 'eip-nat-us-east-1a', 6443, 6443],
      ['tcp', 'eip-nat-us-east-1b', 6443, 6443],
      ['tcp', 'eip-nat-us-east-1c', 6443, 6443],
    ])
    expect(
      into('api-lb')
        .filter((r) => r.sourceIp)
        .map((r) => (r.sourceIp as Ref).attr),
    ).toEqual(['publicIp', 'publicIp', 'publicIp'])
    expect(
      into('nodes')
        .filter((r) => covers(r, 10250))
        .map((r) => (r.sourceGroupId as Ref).target)
        .sort(),
    ).toEqual(['sg-control-plane', 'sg-nodes'])
    // SSH is its own list, empty by default: spec.api.access opens nothing on port 22.
    expect(into('bastion')).toEqual([])
    expect(rules.filter((r) => r.fromPort === 22 && r.cidr !== undefined)).toEqual([])
  })

  it('opens SSH to the bastion only from spec.sshAccess, with path-MTU discovery', () => {
    const c = haPrivateCluster('ssh.build.example.com')
    c.spec.sshAccess = ['198.51.100.0/24']
    const rules = ofKind(model(c), 'SecurityGroupRule').map((r) => r.props as SecurityGroupRuleProps)
    const fromCidr = rules.filter((r) => r.cidr !== undefined && r.cidr !== '203.0.113.0/24')
    expect(
      fromCidr.map((r) => [(r.groupId as Ref).target, r.protocol, r.fromPort, r.toPort, r.cidr]),
    ).toEqual([
      ['sg-bastion', 'tcp', 22, 22, '198.51.100.0/24'],
      ['sg-bastion', 'icmp', 3, 4, '198.51.100.0/24'],
    ])
  })

  it('requires IMDSv2 and encrypts root volumes through the launch template', () => {
    const lt = named(m, 'lt-nodes').props
    expect(lt.metadataHopLimit).toBe(1)
    expect(lt.rootVolume).toEqual({deviceName: '/dev/sda1', size: 128, type: 'gp3'})
    expect(lt.instanceProfileArn).toEqual(new Ref('profile-nodes', 'arn'))
    expect(lt.keyName).toEqual(new Ref('keypair', 'name'))
  })

  it('tags instances (through the group) with cluster, role, group and autoscaler templates', () => {
    const tags = named(m, 'asg-nodes').props.tags as Record<string, string>
    expect(tags).toMatchObject({
      KubernetesCluster: 'ha.build.example.com',
      'kubernetes.io/cluster/ha.build.example.com': 'owned',
      'k8s.io/role/node': '1',
      'kforge.dev/instancegroup': 'nodes',
      Name: 'nodes.ha.build.example.com',
      'k8s.io/cluster-autoscaler/enabled': '1',
    })
    const cp = named(m, 'asg-control-plane-us-east-1a').props
    expect(cp.tags).toMatchObject({'k8s.io/role/control-plane': '1'})
    expect(cp.targetGroupArns).toEqual([new Ref('api-tg', 'arn')])
    expect(cp.subnetIds).toEqual([new Ref('subnet-us-east-1a')])
  })

  it('puts node labels and taints into cluster-autoscaler node-template tags', () => {
    const c = haPrivateCluster('labels.build.example.com')
    const nodes = c.instanceGroups.find((g) => g.name === 'nodes')!
    nodes.spec.nodeLabels = {'workload/type': 'batch'}
    nodes.spec.taints = [{key: 'dedicated', value: 'batch', effect: 'NoSchedule'}]
    const tags = named(model(c), 'asg-nodes').props.tags as Record<string, string>
    expect(tags['k8s.io/cluster-autoscaler/node-template/label/workload/type']).toBe('batch')
    expect(tags['k8s.io/cluster-autoscaler/node-template/taint/dedicated']).toBe('batch:NoSchedule')
  })

  it('gives every group with a kubelet a termination hook that waits for its drain; bastions none', () => {
    const hooks = ofKind(m, 'LifecycleHook')
    const groups = haPrivateCluster('ha.build.example.com').instanceGroups
    expect(hooks.map((h) => h.name).sort()).toEqual(
      groups
        .filter((g) => g.spec.role !== 'bastion')
        .map((g) => `hook-${g.name}`)
        .sort(),
    )
    for (const h of hooks) {
      const group = h.name.replace(/^hook-/, '')
      expect(h.props).toEqual({
        groupName: new Ref(`asg-${group}`),
        name: awsNames.lifecycleHook('ha.build.example.com'),
        transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        heartbeatTimeout: 300,
        defaultResult: 'CONTINUE',
      })
    }
  })

  it('gives the role policies the cluster key, and scopes cloud-provider changes to the cluster', () => {
    const doc = named(m, 'policy-control-plane').props.document as {Statement: Array<Record<string, unknown>>}
    expect(doc.Statement.find((s) => s.Sid === 'DecryptOwnSecrets')?.Resource).toEqual(
      new Ref('kms-key', 'arn'),
    )
    expect(doc.Statement.find((s) => s.Sid === 'ChangeOwned')?.Condition).toEqual({
      StringEquals: {'aws:ResourceTag/KubernetesCluster': 'ha.build.example.com'},
    })
  })
})

describe('other topologies', () => {
  it('public with a key pair: SSH stays closed until spec.sshAccess names who may come in', () => {
    const c = publicSingleCluster('ssh.public.build.example.com', 'us-east-1', {sshPublicKey: SSH_PUBLIC_KEY})
    const ssh = (m: Model) =>
      ofKind(m, 'SecurityGroupRule')
        .map((r) => r.props as SecurityGroupRuleProps)
        .filter((r) => r.protocol === 'tcp' && r.fromPort === 22)
        .map((r) => [(r.groupId as Ref).target, r.cidr])
    expect(c.spec.api.access).toEqual(['0.0.0.0/0'])
    expect(ssh(model(c))).toEqual([])
    c.spec.sshAccess = ['192.0.2.0/24']
    expect(ssh(model(c))).toEqual([
      ['sg-control-plane', '192.0.2.0/24'],
      ['sg-nodes', '192.0.2.0/24'],
    ])
  })

  it('keeps every group within 50 tags, as the spec validation counts them', () => {
    const c = publicSingleCluster('tags.build.example.com')
    const most = Math.max(
      ...ofKind(model(c), 'AutoScalingGroup').map(
        (r) => Object.keys((r.props as {tags: object}).tags).length,
      ),
    )
    expect(most).toBe(KFORGE_GROUP_TAGS)
    // Each hooked group also carries its hook's record (written by the hook, not propagated).
    expect(ofKind(model(c), 'LifecycleHook').length).toBe(
      c.instanceGroups.filter((g) => g.spec.role !== 'bastion').length * KFORGE_GROUP_ONLY_TAGS,
    )
  })

  it('public, one zone: no NAT, subnets map public addresses, no private route tables', () => {
    const m = model(publicSingleCluster('pub.build.example.com'))
    expect(ofKind(m, 'NatGateway')).toEqual([])
    expect(ofKind(m, 'RouteTable').map((r) => r.name)).toEqual(['rtb-public'])
    expect(named(m, 'subnet-us-east-1a').props.mapPublicIpOnLaunch).toBe(true)
    expect(ofKind(m, 'HostedZone')).toEqual([])
  })

  it('a VPC the user brought: found by id, tagged shared, no gateways or routes of ours', () => {
    const c = publicSingleCluster('shared.build.example.com')
    c.spec.cloud.aws.vpcId = 'vpc-0123456789abcdef0'
    c.spec.networking.subnets = c.spec.networking.subnets.map((s) => ({...s, id: 'subnet-0123456789abcdef0'}))
    const m = model(c)
    expect(named(m, 'vpc').external).toBe('vpc-0123456789abcdef0')
    expect(named(m, 'vpc').props.tags).toEqual({'kubernetes.io/cluster/shared.build.example.com': 'shared'})
    expect(ofKind(m, 'InternetGateway')).toEqual([])
    expect(ofKind(m, 'RouteTable')).toEqual([])
  })

  it('refuses subnets of ours in a VPC that is not', () => {
    const c = publicSingleCluster('mixed.build.example.com')
    c.spec.cloud.aws.vpcId = 'vpc-0123456789abcdef0'
    expect(() => model(c)).toThrow(KforgeError)
    expect(() => model(c)).toThrow(
      /spec.networking.subnets\[0\] \(us-east-1a\): with spec.cloud.aws.vpcId, give every subnet's id/,
    )
  })

  it('without a load balancer the records are placeholders and the API port opens on the control plane', () => {
    const c = haPrivateCluster('dns.build.example.com')
    c.spec.api.endpoint = 'dns'
    const m = model(c)
    expect(ofKind(m, 'LoadBalancer')).toEqual([])
    expect(named(m, 'dns-api').props.alias).toBeUndefined()
    const api = ofKind(m, 'SecurityGroupRule')
      .map((r) => r.props as SecurityGroupRuleProps)
      .filter((r) => r.fromPort === 6443)
    expect(api.map((r) => [(r.groupId as Ref).target, r.cidr])).toEqual([
      ['sg-control-plane', '203.0.113.0/24'],
    ])
  })
})
