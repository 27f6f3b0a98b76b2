/** The CloudFormation rendering of the model: ids, references, determinism. Pure, no cloud. */
import {describe, expect, it} from 'vitest'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {awsNames} from '../../../../src/cloud/aws/build/names.js'
import {CFN_RENDERINGS} from '../../../../src/cloud/aws/cfn/kinds.js'
import {planStackUpdate} from '../../../../src/cloud/aws/cfn/stack-plan.js'
import {
  logicalId,
  renderTemplate,
  retained,
  serializeTemplate,
} from '../../../../src/cloud/aws/cfn/template.js'
import type {Model} from '../../../../src/cloud/aws/model/types.js'
import {ref} from '../../../../src/cloud/aws/model/types.js'
import {KINDS} from '../../../../src/cloud/aws/resources/index.js'
import {haPrivateCluster, publicSingleCluster} from '../../../fixtures/cloud/clusters.js'

const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = (c: Cluster): Model =>
  buildModel(c, {images: new Map(c.instanceGroups.map((g) => [g.name, image]))})
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
const userData = (group: string) => Buffer.from(`#cloud-config\n# ${group}\n`).toString('base64')
/** What the prerequisites phase would have found: the key, and each group's user-data. */
const literals = (c: Cluster) =>
  new Map([
    ['kms-key', {id: KEY.split('/')[1]!, arn: KEY}],
    [
      'state-store-objects',
      Object.fromEntries(c.instanceGroups.map((g) => [`userData:${g.name}`, userData(g.name)])),
    ],
  ])
const render = (c: Cluster) => renderTemplate(model(c), {literals: literals(c)})

describe('logical ids', () => {
  it('are the resource names in PascalCase', () => {
    expect(logicalId('subnet-us-east-1a')).toBe('SubnetUsEast1a')
    expect(logicalId('rule-control-plane-tcp-1-2378-from-nodes')).toBe('RuleControlPlaneTcp12378FromNodes')
  })

  it('refuses two names that collide', () => {
    const m: Model = {
      cluster: 'x',
      region: 'us-east-1',
      outputs: [],
      resources: [
        {kind: 'InternetGateway', name: 'a-b', phase: 'network', props: {tags: {}}},
        {kind: 'InternetGateway', name: 'a.b', phase: 'network', props: {tags: {}}},
      ],
    }
    expect(() => renderTemplate(m)).toThrow('resources a-b and a.b both map to logical id AB')
  })
})

describe('renderTemplate', () => {
  const cluster = haPrivateCluster('ha.cfn.example.com')
  const t = render(cluster)

  it('is byte-identical for identical input, in JSON and YAML', () => {
    const again = render(haPrivateCluster('ha.cfn.example.com'))
    expect(serializeTemplate(again, 'json')).toBe(serializeTemplate(t, 'json'))
    expect(serializeTemplate(again, 'yaml')).toBe(serializeTemplate(t, 'yaml'))
  })

  it('renders references as Ref and Fn::GetAtt and ordering as DependsOn', () => {
    expect(t.Resources.NatUsEast1a!.Properties).toMatchObject({
      SubnetId: {Ref: 'SubnetUtilityUsEast1a'},
      AllocationId: {'Fn::GetAtt': ['EipNatUsEast1a', 'AllocationId']},
    })
    expect(t.Resources.NatUsEast1a!.DependsOn).toEqual(['IgwAttachment'])
    expect(t.Resources.RuleNodesAllFromNodes!.Properties).toMatchObject({
      GroupId: {'Fn::GetAtt': ['SgNodes', 'GroupId']},
      SourceSecurityGroupId: {'Fn::GetAtt': ['SgNodes', 'GroupId']},
    })
    expect(t.Resources.DnsApi!.Properties).toMatchObject({
      HostedZoneName: 'cfn.example.com.',
      AliasTarget: {
        DNSName: {'Fn::GetAtt': ['ApiLb', 'DNSName']},
        HostedZoneId: {'Fn::GetAtt': ['ApiLb', 'CanonicalHostedZoneID']},
      },
    })
  })

  it('puts the termination hook on its group by reference, after the group', () => {
    expect(t.Resources.HookNodes).toEqual({
      Type: 'AWS::AutoScaling::LifecycleHook',
      Properties: {
        AutoScalingGroupName: {Ref: 'AsgNodes'},
        LifecycleHookName: awsNames.lifecycleHook('ha.cfn.example.com'),
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 300,
        DefaultResult: 'CONTINUE',
      },
    })
    const order = Object.keys(t.Resources)
    expect(order.indexOf('AsgNodes')).toBeLessThan(order.indexOf('HookNodes'))
    expect(order.some((id) => id.startsWith('HookBastion'))).toBe(false)
  })

  it('leaves the hosted zone out (it must exist) and lists resources after what they refer to', () => {
    expect(Object.values(t.Resources).some((r) => r.Type === 'AWS::Route53::HostedZone')).toBe(false)
    const order = Object.keys(t.Resources)
    expect(order.indexOf('Vpc')).toBeLessThan(order.indexOf('SubnetUsEast1a'))
    expect(order.indexOf('LtNodes')).toBeLessThan(order.indexOf('AsgNodes'))
  })

  it('takes the prerequisites as literals: the key and the user-data are never part of the stack', () => {
    const types = Object.values(t.Resources).map((r) => r.Type)
    expect(types).not.toContain('AWS::KMS::Key')
    expect(types).not.toContain('AWS::KMS::Alias')
    expect(JSON.stringify(t.Resources.PolicyControlPlane!.Properties)).toContain(KEY)
    for (const g of cluster.instanceGroups) {
      const lt = t.Resources[logicalId(`lt-${g.name}`)]!.Properties as {
        LaunchTemplateData: {UserData: string}
      }
      expect(lt.LaunchTemplateData.UserData).toBe(userData(g.name))
    }
    expect(t.Outputs.KmsKeyArn!.Value).toBe(KEY)
  })

  it('refuses to render without what the prerequisites made', () => {
    expect(() => renderTemplate(model(cluster))).toThrow(/refers to a resource that is not part of the stack/)
  })

  it('never lets the stack replace instances, and retains volumes', () => {
    for (const r of Object.values(t.Resources)) expect(r).not.toHaveProperty('UpdatePolicy')
    const m: Model = {
      cluster: 'x',
      region: 'us-east-1',
      outputs: [],
      resources: [{kind: 'Widget', name: 'etcd-a', phase: 'cluster', props: {}}],
    }
    const volume = {
      kind: 'Widget',
      type: 'AWS::EC2::Volume',
      render: () => ({Properties: {}}),
      attr: () => 'Ref' as const,
    }
    expect(retained(volume, m.resources[0]!)).toBe(true)
    expect(retained({...volume, type: 'AWS::EC2::VPC'}, m.resources[0]!)).toBe(false)
    expect(retained({...volume, type: 'AWS::EC2::VPC', retain: () => true}, m.resources[0]!)).toBe(true)
  })

  it('names the user-supplied VPC by its id', () => {
    const c = publicSingleCluster('shared.cfn.example.com')
    c.spec.cloud.aws.vpcId = 'vpc-0123456789abcdef0'
    c.spec.networking.subnets = c.spec.networking.subnets.map((s) => ({...s, id: 'subnet-0123456789abcdef0'}))
    const shared = render(c)
    expect(shared.Resources.Vpc).toBeUndefined()
    expect(shared.Resources.SgNodes!.Properties.VpcId).toBe('vpc-0123456789abcdef0')
    expect(shared.Outputs.VpcId!.Value).toBe('vpc-0123456789abcdef0')
  })

  it('refuses a reference to something the model does not have', () => {
    const m: Model = {
      cluster: 'x',
      region: 'us-east-1',
      outputs: [],
      resources: [
        {kind: 'RouteTable', name: 'rtb', phase: 'network', props: {vpcId: ref('nowhere'), tags: {}}},
      ],
    }
    expect(() => renderTemplate(m)).toThrow('rtb refers to nowhere, which the model does not have')
  })
})

describe('the CloudFormation target beside the kinds', () => {
  it('has one rendering for every kind the stack can hold, so every kind can be exported', () => {
    expect(CFN_RENDERINGS.map((r) => r.kind).sort()).toEqual(
      KINDS.filter((k) => k.phase !== 'prerequisites')
        .map((k) => k.kind)
        .sort(),
    )
  })

  it('names the kind that has no rendering instead of leaving it out of the stack', () => {
    const m: Model = {
      cluster: 'demo.example.com',
      region: 'us-east-1',
      resources: [{kind: 'Widget', name: 'widget', phase: 'network', props: {}}],
      outputs: [],
    }
    expect(() => renderTemplate(m)).toThrow('resource kind Widget has no CloudFormation rendering')
  })
})

describe("etcd's volumes", () => {
  it('are AWS::EC2::Volume, one per control-plane member, retained on stack delete and replacement', () => {
    const cluster = haPrivateCluster('vol.cfn.example.com')
    const template = render(cluster) as unknown as {Resources: Record<string, Record<string, unknown>>}
    const rendered = Object.values(template.Resources).filter((r) => r.Type === 'AWS::EC2::Volume')
    expect(rendered).toHaveLength(
      cluster.instanceGroups.filter((g) => g.spec.role === 'control-plane').length,
    )
    for (const r of rendered) {
      expect(r).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {Size: 20, VolumeType: 'gp3', Encrypted: true},
      })
    }
  })

  it("a larger Size is an in-place update of the stack's volume; a smaller one is refused before CloudFormation tries it", () => {
    const at = (size: number) => {
      const c = publicSingleCluster('vol-grow.cfn.example.com')
      c.spec.etcd.volumeSize = size
      return {m: model(c), t: renderTemplate(model(c), {literals: literals(c)})}
    }
    const now = at(20)
    const id = Object.keys(now.t.Resources).find((k) => now.t.Resources[k]!.Type === 'AWS::EC2::Volume')!
    const modify = (to: {m: Model; t: ReturnType<typeof renderTemplate>}) =>
      planStackUpdate(to.m, to.t, now.t, [
        {Type: 'Resource', ResourceChange: {Action: 'Modify', LogicalResourceId: id, Replacement: 'False'}},
      ])
    const grown = at(30)
    expect(grown.t.Resources[id]!.Properties).toMatchObject({Size: 30})
    const growPlan = modify(grown)
    expect(growPlan.refused).toEqual([])
    expect(growPlan.items.find((i) => i.desired.kind === 'Volume')).toMatchObject({
      action: 'update',
      changes: [{field: 'Size', old: 20, new: 30}],
    })
    const shrinkPlan = modify(at(10))
    expect(shrinkPlan.items.find((i) => i.desired.kind === 'Volume')!.action).toBe('refused')
    expect(shrinkPlan.refused.map((r) => r.message)).toEqual([
      expect.stringMatching(
        /spec\.etcd\.volumeSize \(10 GiB\) is smaller than the volume \(20 GiB\).*never shrink/,
      ),
    ])
  })
})
