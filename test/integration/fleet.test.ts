/**
 * Fleets against the emulator, direct target: a node group with a mixed-instances policy (spot
 * above an on-demand base), IMDS hop limit 2, labels and taints; what the auto-scaling groups and
 * launch templates carry, how a plan shows a change to them, that a second update changes nothing,
 * and that the CloudFormation template of the same cluster carries the same policy, metrics and
 * metadata options (and passes cfn-lint).
 */
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {type AutoScalingGroup, DescribeAutoScalingGroupsCommand} from '@aws-sdk/client-auto-scaling'
import {DescribeLaunchTemplateVersionsCommand} from '@aws-sdk/client-ec2'
import {afterAll, describe, expect, it} from 'vitest'
import {defaultMixedInstances} from '../../src/api/v1alpha1/defaults.js'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {renderTemplate} from '../../src/cloud/aws/cfn/template.js'
import {type AwsCall, type AwsClients, isMutating} from '../../src/cloud/aws/clients.js'
import {GROUP_METRICS} from '../../src/cloud/aws/resources/autoscaling-fleet.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {clusterModel} from '../../src/phases/cluster/plan.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorClients, expectNoOpUpdate, plainUserData} from '../fixtures/cloud/library.js'

const region = 'eu-west-3'

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

const clients = (calls: AwsCall[] = []): AwsClients => emulatorClients(region, calls)

function fleetCluster(): Cluster {
  const c = publicSingleCluster('fleet.lib.example.com', region)
  const nodes = c.instanceGroups.find((g) => g.spec.role === 'node')!
  nodes.spec.maxSize = 4
  nodes.spec.mixedInstancesPolicy = defaultMixedInstances({
    instances: ['t3.medium', 't3a.medium'],
    onDemandBase: 1,
    onDemandAboveBase: 25,
  })
  nodes.spec.maxPrice = '0.05'
  nodes.spec.instanceMetadata = {httpPutResponseHopLimit: 2, httpTokens: 'required'}
  nodes.spec.nodeLabels = {'workload/tier': 'batch'}
  nodes.spec.taints = [{key: 'dedicated', value: 'batch', effect: 'NoSchedule'}]
  return c
}

async function group(c: Cluster, name: string): Promise<AutoScalingGroup> {
  const out = await (await clients().autoScaling()).send(
    new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [awsNames.autoScalingGroup(name, c.name)]}),
  )
  return out.AutoScalingGroups![0]!
}

async function metadataOptions(c: Cluster, name: string) {
  const out = await (await clients().ec2()).send(
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateName: awsNames.launchTemplate(name, c.name),
      Versions: ['$Latest'],
    }),
  )
  return out.LaunchTemplateVersions![0]!.LaunchTemplateData!.MetadataOptions
}

const tagsOf = (g: AutoScalingGroup) => Object.fromEntries((g.Tags ?? []).map((t) => [t.Key!, t.Value!]))

describe('fleets, direct target', {timeout: 300_000}, () => {
  const c = fleetCluster()
  const dir = mkdtempSync(join(tmpdir(), 'kforge-fleet-'))
  afterAll(async () => {
    await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
    rmSync(dir, {recursive: true, force: true})
  })

  it('creates the mixed-instances policy, metrics, node-template tags and metadata options', async () => {
    await updateCluster(c, {aws: clients(), yes: true, userData: plainUserData})
    const nodes = await group(c, 'nodes')
    expect(nodes.LaunchTemplate).toBeUndefined()
    expect(nodes.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toEqual([
      {InstanceType: 't3.medium'},
      {InstanceType: 't3a.medium'},
    ])
    expect(nodes.MixedInstancesPolicy?.InstancesDistribution).toEqual({
      OnDemandAllocationStrategy: 'prioritized',
      OnDemandBaseCapacity: 1,
      OnDemandPercentageAboveBaseCapacity: 25,
      SpotAllocationStrategy: 'price-capacity-optimized',
      SpotMaxPrice: '0.05',
    })
    expect(nodes.EnabledMetrics?.map((m) => [m.Metric, m.Granularity]).sort()).toEqual(
      GROUP_METRICS.map((m) => [m, '1Minute']),
    )
    expect(tagsOf(nodes)).toMatchObject({
      'k8s.io/cluster-autoscaler/enabled': '1',
      'k8s.io/cluster-autoscaler/node-template/label/workload/tier': 'batch',
      'k8s.io/cluster-autoscaler/node-template/label/kforge.dev/instancegroup': 'nodes',
      'k8s.io/cluster-autoscaler/node-template/taint/dedicated': 'batch:NoSchedule',
    })

    const cp = c.instanceGroups.find((g) => g.spec.role === 'control-plane')!.name
    const control = await group(c, cp)
    expect(control.MixedInstancesPolicy).toBeUndefined()
    expect(control.EnabledMetrics).toHaveLength(GROUP_METRICS.length)
    const cpTags = tagsOf(control)
    expect(cpTags).toMatchObject({
      'k8s.io/cluster-autoscaler/node-template/label/node-role.kubernetes.io/control-plane': '',
      'k8s.io/cluster-autoscaler/node-template/label/kforge.dev/instancegroup': cp,
      'k8s.io/cluster-autoscaler/node-template/taint/node-role.kubernetes.io/control-plane': ':NoSchedule',
    })
    // The autoscaler discovers node groups only: it must never resize the control plane.
    expect(cpTags['k8s.io/cluster-autoscaler/enabled']).toBeUndefined()

    expect(await metadataOptions(c, 'nodes')).toMatchObject({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
    })
    expect(await metadataOptions(c, cp)).toMatchObject({HttpTokens: 'required', HttpPutResponseHopLimit: 1})
    await expectNoOpUpdate(c, region)
  })

  it('plans a changed policy and hop limit field by field, applies them, then changes nothing', async () => {
    const nodes = c.instanceGroups.find((g) => g.name === 'nodes')!
    nodes.spec.mixedInstancesPolicy = defaultMixedInstances({
      instances: ['t3.medium', 't3a.medium', 'm5.large'],
      onDemandBase: 1,
      onDemandAboveBase: 50,
    })
    nodes.spec.instanceMetadata = {httpPutResponseHopLimit: 3, httpTokens: 'required'}
    delete nodes.spec.maxPrice
    let text = ''
    const planned = await updateCluster(c, {
      aws: clients(),
      userData: plainUserData,
      onPlan: (t) => (text = t),
    })
    expect(planned.applied).toBe(false)
    expect(text).toContain('      mixedInstancesPolicy.onDemandAboveBase: 25 -> 50\n')
    expect(text).toContain(
      '      mixedInstancesPolicy.instanceTypes: ["t3.medium","t3a.medium"] -> ["t3.medium","t3a.medium","m5.large"]\n',
    )
    expect(text).toContain('      metadataHopLimit: 2 -> 3\n')
    // A cap taken away must be cleared, not left as it was.
    expect(text).toContain('      mixedInstancesPolicy.spotMaxPrice: 0.05 -> (none)\n')

    const calls: AwsCall[] = []
    await updateCluster(c, {aws: clients(calls), yes: true, userData: plainUserData})
    expect(calls.filter((x) => isMutating(x.action)).map((x) => x.action)).toEqual(
      expect.arrayContaining(['CreateLaunchTemplateVersion', 'UpdateAutoScalingGroup']),
    )
    const after = await group(c, 'nodes')
    expect(after.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity).toBe(50)
    expect(after.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toHaveLength(3)
    expect(after.MixedInstancesPolicy?.InstancesDistribution?.SpotMaxPrice ?? '').toBe('')
    expect(await metadataOptions(c, 'nodes')).toMatchObject({HttpPutResponseHopLimit: 3})
    await expectNoOpUpdate(c, region)
  })

  it('the CloudFormation template carries what the direct target made, and passes cfn-lint', async () => {
    const template = renderTemplate(await clusterModel(c, clients(), {userData: plainUserData}), {
      literals: literals(c),
    })
    // biome-ignore lint/suspicious/noExplicitAny: the template is plain JSON, read by property path
    type Json = Record<string, any>
    const resource = (type: string, name: string): Json => {
      const nameField = `${type.split('::')[2]}Name`
      const found = Object.values(template.Resources).find(
        (r) => r.Type === type && (r.Properties as Json)[nameField] === name,
      )
      return found!.Properties as Json
    }
    const asg = resource('AWS::AutoScaling::AutoScalingGroup', awsNames.autoScalingGroup('nodes', c.name))
    const direct = await group(c, 'nodes')
    expect(asg.LaunchTemplate).toBeUndefined()
    // The direct target clears a cap with an empty string; the template leaves the property out.
    const {SpotMaxPrice, ...distribution} = direct.MixedInstancesPolicy!.InstancesDistribution!
    expect(SpotMaxPrice ?? '').toBe('')
    expect(asg.MixedInstancesPolicy.InstancesDistribution).toEqual(distribution)
    expect(asg.MixedInstancesPolicy.LaunchTemplate.Overrides).toEqual(
      direct.MixedInstancesPolicy?.LaunchTemplate?.Overrides,
    )
    expect(asg.MetricsCollection).toEqual([
      {Granularity: '1Minute', Metrics: direct.EnabledMetrics!.map((m) => m.Metric).sort()},
    ])
    const declared = Object.fromEntries(
      (asg.Tags as {Key: string; Value: string}[]).map((t) => [t.Key, t.Value]),
    )
    // The group itself may carry more (the termination hook's record); its propagated tags are these.
    expect(tagsOf(direct)).toMatchObject(declared)
    const lt = resource('AWS::EC2::LaunchTemplate', awsNames.launchTemplate('nodes', c.name))
    expect(lt.LaunchTemplateData.MetadataOptions).toEqual({
      HttpTokens: 'required',
      HttpEndpoint: 'enabled',
      HttpPutResponseHopLimit: 3,
    })
    const file = join(dir, 'fleet.json')
    writeFileSync(file, JSON.stringify(template, null, 2))
    const lint = await promisify(execFile)('cfn-lint', [file]).then(
      () => ({code: 0, out: ''}),
      (e: {code: number; stdout: string}) => ({code: e.code, out: e.stdout}),
    )
    expect(lint.out).toBe('')
    expect(lint.code).toBe(0)
  })

  it('taking the policy away launches from the template alone again', async () => {
    const nodes = c.instanceGroups.find((g) => g.name === 'nodes')!
    delete nodes.spec.mixedInstancesPolicy
    delete nodes.spec.maxPrice
    let text = ''
    await updateCluster(c, {aws: clients(), yes: true, userData: plainUserData, onPlan: (t) => (text = t)})
    expect(text).toMatch(/\n {6}mixedInstancesPolicy: \{"instanceTypes":\["t3.medium",.* -> \(none\)\n/)
    const after = await group(c, 'nodes')
    expect(after.MixedInstancesPolicy).toBeUndefined()
    expect(after.LaunchTemplate?.LaunchTemplateName).toBe(awsNames.launchTemplate('nodes', c.name))
    await expectNoOpUpdate(c, region)
  })
})
