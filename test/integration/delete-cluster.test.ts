/**
 * `delete cluster` through the CLI: what Kubernetes made with the cluster tag goes too, so do
 * untagged dependents found through relations; a VPC and subnets the user brought stay, with
 * their own tags; deletion runs in dependency order.
 */
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2'
import {
  CreateLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {clusterFromOptions} from '../../src/api/v1alpha1/flags.js'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {EMULATOR_IMAGE, privateSingleCluster} from '../fixtures/cloud/clusters.js'
import {inventory} from '../fixtures/cloud/inventory.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

const dir = tempDir('kforge-delete-')
const callLog = join(dir, 'calls.log')
const creds = {accessKeyId: 'testing', secretAccessKey: 'testing'}

function cli(region: string) {
  const env = {
    ...emulatorEnv(region),
    KFORGE_STATE_STORE: `s3://kforge-delete-${region}/kforge`,
    KFORGE_POLL_MS: '50',
    KFORGE_AWS_CALL_LOG: callLog,
  }
  return async (...args: string[]) => {
    rmSync(callLog, {force: true})
    const r = await runKforge(args, {env})
    const calls = existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n') : []
    return {...r, calls}
  }
}

async function store(kforge: ReturnType<typeof cli>, cluster: Cluster) {
  const file = join(dir, `${cluster.name}.yaml`)
  writeFileSync(file, renderSpec(cluster))
  const r = await kforge('create', '-f', file)
  expect(r.code, r.stderr).toBe(0)
}

/** Position of the first/last call of an action in the call log. */
const first = (calls: string[], action: string) => calls.findIndex((c) => c.endsWith(` ${action}`))
const last = (calls: string[], action: string) => calls.findLastIndex((c) => c.endsWith(` ${action}`))

// The state store lives in the emulator's S3, where instances would fetch from it.
beforeAll(async () => {
  await emulatorStateStore('eu-west-3', 'kforge-delete-eu-west-3')
  await emulatorStateStore('eu-north-1', 'kforge-delete-eu-north-1')
})

describe('delete in a VPC the user brought, with what Kubernetes made', {timeout: 300_000}, () => {
  const region = 'eu-west-3'
  const name = 'shared.delete.example.com'
  const tag = `kubernetes.io/cluster/${name}`
  const kforge = cli(region)
  let ec2: EC2Client
  let vpcId: string
  const subnetIds: string[] = []
  const made: {lb?: string; sg?: string; volume?: string; eni?: string} = {}

  beforeAll(async () => {
    ec2 = new EC2Client({region, endpoint: inject('awsEndpoint'), credentials: creds})
    const userTags = [{ResourceType: 'vpc' as const, Tags: [{Key: 'team', Value: 'platform'}]}]
    vpcId = (await ec2.send(new CreateVpcCommand({CidrBlock: '10.70.0.0/16', TagSpecifications: userTags})))
      .Vpc!.VpcId!
    for (const [i, zone] of ['a', 'b'].entries()) {
      const s = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          AvailabilityZone: `${region}${zone}`,
          CidrBlock: `10.70.${i * 16}.0/20`,
          TagSpecifications: [{ResourceType: 'subnet', Tags: [{Key: 'team', Value: 'platform'}]}],
        }),
      )
      subnetIds.push(s.Subnet!.SubnetId!)
    }
    const cluster = clusterFromOptions({
      name,
      zones: [`${region}a`, `${region}b`],
      controlPlaneCount: 1,
      existing: {
        vpcId,
        networkCIDR: '10.70.0.0/16',
        subnets: subnetIds.map((id, i) => ({
          id,
          zone: `${region}${'ab'[i]}`,
          cidr: `10.70.${i * 16}.0/20`,
          type: 'public' as const,
        })),
      },
    })
    cluster.spec.cloud.aws.image = {lookup: {...EMULATOR_IMAGE.lookup}}
    cluster.spec.dns = {zone: '', type: 'none'}
    await store(kforge, cluster)
  }, 300_000)

  it('update tags the user network as shared and builds the cluster in it', async () => {
    const plan = await kforge('update', 'cluster', name)
    expect(plan.stdout, plan.stderr).toContain('Will tag as shared (otherwise untouched):')
    expect(plan.stdout).toContain(`~ Vpc ${vpcId}`)
    expect(plan.stdout).not.toMatch(/\+ (Vpc|Subnet|InternetGateway|RouteTable|NatGateway) /)
    const r = await kforge('update', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    const vpc = (await ec2.send(new DescribeVpcsCommand({VpcIds: [vpcId]}))).Vpcs![0]!
    expect(vpc.Tags).toContainEqual({Key: tag, Value: 'shared'})
  })

  it('deletes what the cluster and Kubernetes made, in order, and leaves the user network', async () => {
    // What the AWS load balancer controller, the EBS CSI driver and the VPC CNI would leave.
    const owned = [{Key: tag, Value: 'owned'}]
    made.sg = (
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: 'k8s-elb-web',
          Description: 'made by the load balancer controller',
          VpcId: vpcId,
          TagSpecifications: [{ResourceType: 'security-group', Tags: owned}],
        }),
      )
    ).GroupId!
    const elb = new ElasticLoadBalancingV2Client({
      region,
      endpoint: inject('awsEndpoint'),
      credentials: creds,
    })
    made.lb = (
      await elb.send(
        new CreateLoadBalancerCommand({
          Name: 'k8s-default-web',
          Subnets: subnetIds,
          SecurityGroups: [made.sg],
          Tags: owned,
        }),
      )
    ).LoadBalancers![0]!.LoadBalancerArn!
    made.volume = (
      await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: `${region}a`,
          Size: 10,
          TagSpecifications: [
            {
              ResourceType: 'volume',
              Tags: [...owned, {Key: 'kubernetes.io/created-for/pvc/name', Value: 'data'}],
            },
          ],
        }),
      )
    ).VolumeId!
    made.eni = (
      await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnetIds[0]!,
          TagSpecifications: [{ResourceType: 'network-interface', Tags: owned}],
        }),
      )
    ).NetworkInterface!.NetworkInterfaceId!

    const list = await kforge('delete', 'cluster', name)
    for (const id of [made.sg, made.lb, made.volume, made.eni]) expect(list.stdout).toContain(id)
    expect(list.stdout).not.toContain(vpcId)
    for (const id of subnetIds) expect(list.stdout).not.toContain(id)

    const r = await kforge('delete', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(await inventory(inject('awsEndpoint'), region, name)).toEqual({})
    // Other test files share the emulator, so only this VPC's load balancers are this test's.
    const balancers = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []
    expect(balancers.filter((lb) => lb.VpcId === vpcId)).toEqual([])
    const sgs = await ec2.send(
      new DescribeSecurityGroupsCommand({Filters: [{Name: 'vpc-id', Values: [vpcId]}]}),
    )
    expect((sgs.SecurityGroups ?? []).map((g) => g.GroupName)).toEqual(['default'])
    const volumes = await ec2.send(
      new DescribeVolumesCommand({Filters: [{Name: 'volume-id', Values: [made.volume]}]}),
    )
    expect(volumes.Volumes ?? []).toEqual([])
    const enis = await ec2.send(
      new DescribeNetworkInterfacesCommand({Filters: [{Name: 'network-interface-id', Values: [made.eni]}]}),
    )
    expect(enis.NetworkInterfaces ?? []).toEqual([])

    // Dependency order: groups (and their instances) and load balancers before security groups;
    // launch templates and instance profiles only once no group uses them.
    const c = r.calls
    expect(last(c, 'DeleteAutoScalingGroup')).toBeLessThan(first(c, 'DeleteSecurityGroup'))
    expect(last(c, 'DeleteLoadBalancer')).toBeLessThan(first(c, 'DeleteSecurityGroup'))
    expect(last(c, 'DeleteLoadBalancer')).toBeLessThan(first(c, 'DeleteTargetGroup'))
    expect(last(c, 'DeleteAutoScalingGroup')).toBeLessThan(first(c, 'DeleteLaunchTemplate'))
    expect(last(c, 'DeleteAutoScalingGroup')).toBeLessThan(first(c, 'DeleteInstanceProfile'))
    expect(last(c, 'DeleteInstanceProfile')).toBeLessThan(first(c, 'DeleteRole'))
    expect(last(c, 'RevokeSecurityGroupIngress')).toBeLessThan(first(c, 'DeleteSecurityGroup'))
    expect(first(c, 'DeleteVpc')).toBe(-1)
    expect(first(c, 'DeleteSubnet')).toBe(-1)

    const vpc = (await ec2.send(new DescribeVpcsCommand({VpcIds: [vpcId]}))).Vpcs![0]!
    expect(vpc.CidrBlock).toBe('10.70.0.0/16')
    expect(vpc.Tags).toEqual([{Key: 'team', Value: 'platform'}])
    const subnets = (await ec2.send(new DescribeSubnetsCommand({SubnetIds: subnetIds}))).Subnets!
    expect(subnets.map((s) => s.Tags)).toEqual([
      [{Key: 'team', Value: 'platform'}],
      [{Key: 'team', Value: 'platform'}],
    ])
  })
})

describe('delete finds untagged dependents through relations', {timeout: 300_000}, () => {
  const region = 'eu-north-1'
  const name = 'relations.delete.example.com'
  const kforge = cli(region)

  it('deletes an untagged internet gateway of the VPC and an untagged NAT gateway and its address', async () => {
    await store(kforge, privateSingleCluster(name, region))
    const r = await kforge('update', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    const ec2 = new EC2Client({region, endpoint: inject('awsEndpoint'), credentials: creds})
    const inv = await inventory(inject('awsEndpoint'), region, name)
    const igw = inv.InternetGateway![0]!.id
    const nat = inv.NatGateway![0]!.id
    const eip = inv.Eip![0]!.id
    const vpc = inv.Vpc![0]!.id
    const strip = Object.keys(inv.InternetGateway![0]!.tags).map((Key) => ({Key}))
    await ec2.send(new DeleteTagsCommand({Resources: [igw, nat, eip], Tags: strip}))
    const after = await inventory(inject('awsEndpoint'), region, name)
    expect(after.InternetGateway).toBeUndefined()
    expect(after.NatGateway).toBeUndefined()
    expect(after.Eip).toBeUndefined()

    const list = await kforge('delete', 'cluster', name)
    for (const id of [igw, nat, eip]) expect(list.stdout).toContain(id)
    const d = await kforge('delete', 'cluster', name, '--yes')
    expect(d.code, d.stderr).toBe(0)
    const igws = await ec2
      .send(new DescribeInternetGatewaysCommand({InternetGatewayIds: [igw]}))
      .catch(() => ({InternetGateways: []}))
    expect(igws.InternetGateways ?? []).toEqual([])
    const nats = await ec2.send(new DescribeNatGatewaysCommand({NatGatewayIds: [nat]}))
    expect((nats.NatGateways ?? []).map((n) => n.State)).toEqual(['deleted'])
    const eips = await ec2
      .send(new DescribeAddressesCommand({AllocationIds: [eip]}))
      .catch(() => ({Addresses: []}))
    expect(eips.Addresses ?? []).toEqual([])
    const vpcs = await ec2.send(new DescribeVpcsCommand({VpcIds: [vpc]})).catch(() => ({Vpcs: []}))
    expect(vpcs.Vpcs ?? []).toEqual([])
    expect(last(d.calls, 'DeleteNatGateway')).toBeLessThan(first(d.calls, 'ReleaseAddress'))
    expect(last(d.calls, 'DetachInternetGateway')).toBeLessThan(first(d.calls, 'DeleteVpc'))
  })
})
