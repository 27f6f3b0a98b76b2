/**
 * What rolling-update selects and what validate reports, from inventories and API objects built
 * here: the pure halves of both commands.
 */
import {describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../../src/api/v1alpha1/flags.js'
import type {Node, Pod} from '../../../src/kube/types.js'
import {groupFailures, kubeFailures} from '../../../src/lifecycle/checks.js'
import type {GroupInfo, InstanceInfo, Inventory} from '../../../src/lifecycle/inventory.js'
import {byRollOrder, instancesToUpdate} from '../../../src/lifecycle/needs-update.js'

const cluster = clusterFromOptions({
  name: 'checks.example.com',
  zones: ['us-east-1a'],
  topology: 'private',
  bastion: true,
})
const [cp, nodes, bastion] = ['control-plane-us-east-1a', 'nodes', 'bastions'].map((n) => {
  const g = cluster.instanceGroups.find((x) => x.name === n)
  if (!g) throw new Error(`fixture: no group ${n} in ${cluster.instanceGroups.map((x) => x.name)}`)
  return g
})

function instance(
  id: string,
  group: string,
  version: string,
  extra: Partial<InstanceInfo> = {},
): InstanceInfo {
  return {
    id,
    group,
    asg: `${group}.${cluster.name}`,
    zone: 'us-east-1a',
    state: 'running',
    lifecycle: 'InService',
    privateDns: `ip-${id}.ec2.internal`,
    launchTemplateId: `lt-${group}`,
    launchTemplateVersion: version,
    ...extra,
  }
}

function group(
  name: string,
  role: GroupInfo['role'],
  version: string,
  instances: InstanceInfo[],
  desired = instances.length,
): GroupInfo {
  return {
    name,
    asg: `${name}.${cluster.name}`,
    role,
    desired,
    min: desired,
    max: desired,
    launchTemplateId: `lt-${name}`,
    launchTemplateVersion: version,
    instances,
  }
}

function inventory(): Inventory {
  return {
    groups: [
      group(nodes!.name, 'node', '3', [
        instance('i-n1', 'nodes', '2'),
        instance('i-n2', 'nodes', '3'),
        instance('i-n3', 'nodes', '1'),
      ]),
      group(cp!.name, 'control-plane', '2', [instance('i-c1', cp!.name, '1')]),
      group(bastion!.name, 'bastion', '1', [
        instance('i-b1', bastion!.name, '1', {launchTemplateId: 'lt-other'}),
      ]),
    ],
    detached: [
      instance('i-d1', 'nodes', '2', {
        asg: undefined,
        lifecycle: undefined,
        detachedFrom: 'nodes.checks.example.com',
      }),
    ],
  }
}

describe('instancesToUpdate', () => {
  it('selects outdated and detached instances with their reason, in roll order', () => {
    const c = instancesToUpdate(inventory(), cluster).sort(byRollOrder)
    expect(c.map((x) => [x.group, x.instance.id, x.reason])).toEqual([
      [bastion!.name, 'i-b1', "launch template lt-other, the group's is lt-bastions"],
      [cp!.name, 'i-c1', "launch template version 1, the group's is 2"],
      ['nodes', 'i-d1', 'detached from nodes.checks.example.com by an earlier rolling update'],
      ['nodes', 'i-n1', "launch template version 2, the group's is 3"],
      ['nodes', 'i-n3', "launch template version 1, the group's is 3"],
    ])
  })

  it('limits to the groups asked for; --force takes every instance; terminating ones are left alone', () => {
    const inv = inventory()
    inv.groups[0]!.instances.push(instance('i-n4', 'nodes', '1', {lifecycle: 'Terminating'}))
    expect(
      instancesToUpdate(inv, cluster, {groups: ['nodes']})
        .map((c) => c.instance.id)
        .sort(),
    ).toEqual(['i-d1', 'i-n1', 'i-n3'])
    const forced = instancesToUpdate(inv, cluster, {groups: ['nodes'], force: true})
    expect(forced.find((c) => c.instance.id === 'i-n2')?.reason).toBe('forced (--force)')
    expect(forced.some((c) => c.instance.id === 'i-n4')).toBe(false)
  })
})

describe('groupFailures', () => {
  it('names missing groups, groups short of InService instances, outdated and detached instances', () => {
    const inv = inventory()
    inv.groups = inv.groups.filter((g) => g.name !== bastion!.name)
    inv.groups[0]!.desired = 4
    inv.groups[0]!.instances.push(instance('i-n5', 'nodes', '3', {lifecycle: 'Pending'}))
    const f = groupFailures(cluster, inv)
    expect(f).toContainEqual({
      kind: 'group',
      name: 'nodes',
      message: '3 of 4 instances InService (i-n5 Pending)',
    })
    expect(f).toContainEqual({
      kind: 'group',
      name: bastion!.name,
      message: `no auto-scaling group (kforge update cluster ${cluster.name} --yes creates it)`,
    })
    expect(f).toContainEqual({
      kind: 'instance',
      name: 'i-n1',
      message: `group nodes: launch template version 2, the group's is 3 (kforge rolling-update cluster ${cluster.name} replaces it)`,
    })
    expect(f.some((x) => x.name === 'i-d1' && x.message.includes('unfinished rolling update'))).toBe(true)
    expect(f.some((x) => x.name === 'i-n2')).toBe(false)
  })

  it('leaves out what a roll in progress changes when asked', () => {
    const f = groupFailures(cluster, inventory(), {currentVersions: false})
    expect(f).toEqual([])
  })
})

function node(
  name: string,
  instanceId: string | undefined,
  opts: {ready?: boolean; zone?: string | null} = {},
): Node {
  const labels: Record<string, string> = {'topology.kubernetes.io/region': 'us-east-1'}
  if (opts.zone !== null) labels['topology.kubernetes.io/zone'] = opts.zone ?? 'us-east-1a'
  return {
    metadata: {name, labels},
    spec: instanceId ? {providerID: `aws:///us-east-1a/${instanceId}`} : {},
    status: {
      conditions: [
        {
          type: 'Ready',
          status: opts.ready === false ? 'False' : 'True',
          reason: 'KubeletNotReady',
          message: 'PLEG is not healthy',
        },
      ],
    },
  }
}

function pod(
  name: string,
  nodeName: string,
  labels: Record<string, string>,
  phase: 'Running' | 'Pending' = 'Running',
  ready = true,
): Pod {
  return {
    metadata: {name, namespace: 'kube-system', labels},
    spec: {nodeName, containers: [{name: 'c'}]},
    status: {phase, conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]},
  }
}

describe('kubeFailures', () => {
  const groups = [
    group(cp!.name, 'control-plane', '1', [instance('i-c1', cp!.name, '1')]),
    group('nodes', 'node', '1', [
      instance('i-n1', 'nodes', '1'),
      instance('i-n2', 'nodes', '1'),
      instance('i-n3', 'nodes', '1'),
    ]),
    group(bastion!.name, 'bastion', '1', [instance('i-b1', bastion!.name, '1')]),
  ]
  const cpPods = ['etcd', 'kube-apiserver', 'kube-controller-manager'].map((c) =>
    pod(`${c}-cp`, 'cp', {component: c, tier: 'control-plane'}),
  )

  it('reports each problem once, naming the node, instance or pod', () => {
    const nodes = [
      node('cp', 'i-c1'),
      node('ip-i-n1.ec2.internal', undefined),
      node('n2', 'i-n2', {ready: false, zone: 'us-east-1b'}),
    ]
    const pods = [
      ...cpPods,
      pod('self-hosted-kube-scheduler-x', 'cp', {'k8s-app': 'self-hosted-kube-scheduler'}),
      pod('coredns-1', '', {'k8s-app': 'kube-dns'}, 'Pending', false),
      pod('kube-proxy-1', 'n2', {'k8s-app': 'kube-proxy'}, 'Running', false),
    ]
    expect(kubeFailures(groups, nodes, pods)).toEqual([
      {
        kind: 'node',
        name: 'ip-i-n1.ec2.internal',
        message: 'spec.providerID is not set (the AWS cloud controller sets it)',
      },
      {kind: 'node', name: 'n2', message: 'not Ready: Ready is False (KubeletNotReady: PLEG is not healthy)'},
      {
        kind: 'node',
        name: 'n2',
        message: 'label topology.kubernetes.io/zone is "us-east-1b", the instance is in us-east-1a',
      },
      {
        kind: 'instance',
        name: 'i-n3',
        message: 'group nodes: no Node registered for it (ip-i-n3.ec2.internal)',
      },
      {kind: 'pod', name: 'kube-system/coredns-1', message: 'is Pending'},
      {kind: 'pod', name: 'kube-system/kube-proxy-1', message: 'is Running but not Ready'},
    ])
  })

  it('requires every control-plane component on every control-plane node', () => {
    const f = kubeFailures([groups[0]!], [node('cp', 'i-c1')], cpPods)
    expect(f).toEqual([
      {
        kind: 'pod',
        name: 'kube-system/kube-scheduler',
        message: 'no kube-scheduler pod on control-plane node cp',
      },
    ])
  })
})
