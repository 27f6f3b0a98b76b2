/**
 * The fleet side of the model, pure: what the launch template and auto-scaling group of a group
 * carry for its metadata options, mixed-instances policy and metrics; the node-template tags
 * against the labels and taints a node really registers with; both targets from one structure.
 */
import {describe, expect, it} from 'vitest'
import {defaultMixedInstances} from '../../../../src/api/v1alpha1/defaults.js'
import {nodeTemplate} from '../../../../src/api/v1alpha1/node-template.js'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {renderTemplate} from '../../../../src/cloud/aws/cfn/template.js'
import type {Desired, Model} from '../../../../src/cloud/aws/model/types.js'
import {GROUP_METRICS, mixedInstancesChanges} from '../../../../src/cloud/aws/resources/autoscaling-fleet.js'
import {CONTROL_PLANE_LABELS} from '../../../../src/phases/init/api/mark-control-plane.js'
import {kubeletLabels} from '../../../../src/render/kubeadm.js'
import {haPrivateCluster} from '../../../fixtures/cloud/clusters.js'

const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = (c: Cluster): Model =>
  buildModel(c, {images: new Map(c.instanceGroups.map((g) => [g.name, image])), userData: (g) => `# ${g}\n`})
/** What the prerequisites phase would have found (the stack takes them as literals): the key, user-data. */
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
const literals = (c: Cluster) =>
  new Map([
    ['kms-key', {id: KEY.split('/')[1]!, arn: KEY}],
    [
      'state-store-objects',
      Object.fromEntries(
        c.instanceGroups.map((g) => [`userData:${g.name}`, Buffer.from(`# ${g.name}\n`).toString('base64')]),
      ),
    ],
  ])
const props = (m: Model, name: string) =>
  (m.resources.find((r) => r.name === name) as Desired<Record<string, unknown>>).props

function spotCluster(): Cluster {
  const c = haPrivateCluster('fleet.build.example.com')
  const nodes = c.instanceGroups.find((g) => g.name === 'nodes')!
  nodes.spec.mixedInstancesPolicy = defaultMixedInstances({
    instances: ['m6i.large', 'm5.large'],
    onDemandAboveBase: 0,
    spotAllocationStrategy: 'lowest-price',
  })
  nodes.spec.maxPrice = '0.08'
  nodes.spec.instanceMetadata = {httpPutResponseHopLimit: 2, httpTokens: 'optional'}
  return c
}

describe('fleet model', () => {
  it("puts the group's metadata options in its launch template", () => {
    const m = model(spotCluster())
    expect(props(m, 'lt-nodes')).toMatchObject({metadataHopLimit: 2, httpTokens: 'optional'})
    expect(props(m, 'lt-control-plane-us-east-1a')).toMatchObject({
      metadataHopLimit: 1,
      httpTokens: 'required',
    })
  })

  it('gives the group its policy with the spot price cap, and every group its metrics', () => {
    const m = model(spotCluster())
    expect(props(m, 'asg-nodes').mixedInstances).toEqual({
      instanceTypes: ['m6i.large', 'm5.large'],
      onDemandBase: 0,
      onDemandAboveBase: 0,
      onDemandAllocationStrategy: 'prioritized',
      spotAllocationStrategy: 'lowest-price',
      spotInstancePools: 2,
      spotMaxPrice: '0.08',
    })
    for (const r of m.resources.filter((x) => x.kind === 'AutoScalingGroup'))
      expect((r.props as {metrics: string[]}).metrics).toEqual([...GROUP_METRICS])
    expect(props(m, 'asg-bastions').mixedInstances).toBeUndefined()
  })

  it('renders the same policy into CloudFormation, around the template reference', () => {
    const c = spotCluster()
    const t = renderTemplate(model(c), {literals: literals(c)})
    const asg = t.Resources.AsgNodes!.Properties as Record<string, unknown>
    expect(asg.LaunchTemplate).toBeUndefined()
    expect(asg.MixedInstancesPolicy).toEqual({
      LaunchTemplate: {
        LaunchTemplateSpecification: {
          LaunchTemplateId: {Ref: 'LtNodes'},
          Version: {'Fn::GetAtt': ['LtNodes', 'LatestVersionNumber']},
        },
        Overrides: [{InstanceType: 'm6i.large'}, {InstanceType: 'm5.large'}],
      },
      InstancesDistribution: {
        OnDemandAllocationStrategy: 'prioritized',
        OnDemandBaseCapacity: 0,
        OnDemandPercentageAboveBaseCapacity: 0,
        SpotAllocationStrategy: 'lowest-price',
        SpotInstancePools: 2,
        SpotMaxPrice: '0.08',
      },
    })
    expect(asg.MetricsCollection).toEqual([{Granularity: '1Minute', Metrics: [...GROUP_METRICS]}])
    const lt = t.Resources.LtNodes!.Properties as {LaunchTemplateData: {MetadataOptions: unknown}}
    expect(lt.LaunchTemplateData.MetadataOptions).toEqual({
      HttpTokens: 'optional',
      HttpEndpoint: 'enabled',
      HttpPutResponseHopLimit: 2,
    })
  })

  it('shows a kept policy field by field, an added or removed one whole', () => {
    const a = {
      instanceTypes: ['m6i.large'],
      onDemandBase: 0,
      onDemandAboveBase: 100,
      onDemandAllocationStrategy: 'prioritized',
      spotAllocationStrategy: 'price-capacity-optimized',
    }
    expect(mixedInstancesChanges({...a, onDemandAboveBase: 20, spotMaxPrice: '0.1'}, a)).toEqual([
      {field: 'mixedInstancesPolicy.onDemandAboveBase', old: 100, new: 20},
      {field: 'mixedInstancesPolicy.spotMaxPrice', old: undefined, new: '0.1'},
    ])
    expect(mixedInstancesChanges(a, undefined)).toEqual([
      {field: 'mixedInstancesPolicy', old: undefined, new: a},
    ])
    expect(mixedInstancesChanges(undefined, undefined)).toEqual([])
  })
})

describe('cluster-autoscaler node templates', () => {
  it('are the labels and taints the nodes register with, on every group that makes nodes', () => {
    const c = haPrivateCluster('templates.build.example.com')
    const nodes = c.instanceGroups.find((g) => g.name === 'nodes')!
    nodes.spec.nodeLabels = {'node.kubernetes.io/pool': 'batch'}
    for (const g of c.instanceGroups.filter((x) => x.spec.role !== 'bastion')) {
      const {labels} = nodeTemplate(g)
      // Every label the kubelet registers with (kubeadm's node-labels)...
      expect(labels).toMatchObject(Object.fromEntries(kubeletLabels(g)))
      // ...and on the control plane the ones mark-control-plane adds after it registers.
      if (g.spec.role === 'control-plane') expect(labels).toMatchObject(CONTROL_PLANE_LABELS)
    }
    const m = model(c)
    const cp = props(m, 'asg-control-plane-us-east-1a').tags as Record<string, string>
    expect(cp['k8s.io/cluster-autoscaler/node-template/taint/node-role.kubernetes.io/control-plane']).toBe(
      ':NoSchedule',
    )
    expect(cp['k8s.io/cluster-autoscaler/enabled']).toBeUndefined()
    const bastion = props(m, 'asg-bastions').tags as Record<string, string>
    expect(Object.keys(bastion).filter((k) => k.startsWith('k8s.io/cluster-autoscaler/'))).toEqual([])
  })

  it('keep a control-plane group its own taint list when it names the control-plane taint', () => {
    const c = haPrivateCluster('cp-taint.build.example.com')
    const cp = c.instanceGroups.find((g) => g.spec.role === 'control-plane')!
    cp.spec.taints = [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoExecute'}]
    expect(nodeTemplate(cp).taints).toEqual([
      {key: 'node-role.kubernetes.io/control-plane', effect: 'NoExecute'},
    ])
  })
})
