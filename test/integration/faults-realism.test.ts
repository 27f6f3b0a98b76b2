/**
 * The fault proxy's realism layer, each behaviour on its own against the emulator, with bare SDK
 * clients (no retries unless a test asks): what a client sees is what AWS would show it.
 */

import {AutoScalingClient, CreateAutoScalingGroupCommand} from '@aws-sdk/client-auto-scaling'
import {
  AllocateAddressCommand,
  CreateLaunchTemplateCommand,
  CreateNatGatewayCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2'
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {afterEach, describe, expect, inject, it} from 'vitest'
import {type FaultProxy, type FaultProxyOptions, startFaultProxy} from '../support/fault-proxy.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const region = 'ap-southeast-1'
const proxies: FaultProxy[] = []
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()))
})

async function proxy(options: Omit<FaultProxyOptions, 'target'>): Promise<FaultProxy> {
  const p = await startFaultProxy({target: inject('awsEndpoint'), ...options})
  proxies.push(p)
  return p
}

const config = (endpoint: string, extra: Record<string, unknown> = {}) => ({
  region,
  endpoint,
  credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
  maxAttempts: 1,
  ...extra,
})
const direct = () => new EC2Client(config(inject('awsEndpoint')))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const marker = () => `realism-${Math.random().toString(36).slice(2)}`
const tagged = (value: string) => [{ResourceType: 'vpc' as const, Tags: [{Key: 'test', Value: value}]}]
const countTagged = async (value: string) =>
  (
    (await direct().send(new DescribeVpcsCommand({Filters: [{Name: 'tag:test', Values: [value]}]}))).Vpcs ??
    []
  ).length

describe('fault proxy realism', () => {
  it('loses the answer after the emulator acted: the client sees a reset, the VPC exists', async () => {
    const p = await proxy({lostResponseRate: 1, maxConsecutive: 1})
    const m = marker()
    const err = (await new EC2Client(config(p.endpoint))
      .send(new CreateVpcCommand({CidrBlock: '10.9.0.0/16', TagSpecifications: tagged(m)}))
      .catch((e: unknown) => e)) as Error
    expect(err).toBeInstanceOf(Error)
    expect(p.stats.lost).toBe(1)
    expect(await countTagged(m)).toBe(1)
  })

  it('holds an answer past the client’s timeout: the client times out, the VPC exists', async () => {
    const p = await proxy({slowResponseRate: 1, slowResponseMs: 1500, maxConsecutive: 1})
    const m = marker()
    const client = new EC2Client(
      config(p.endpoint, {requestHandler: {requestTimeout: 300, throwOnRequestTimeout: true}}),
    )
    const err = (await client
      .send(new CreateVpcCommand({CidrBlock: '10.9.0.0/16', TagSpecifications: tagged(m)}))
      .catch((e: unknown) => e)) as Error
    expect(err.name).toBe('TimeoutError')
    expect(p.stats.slow).toBe(1)
    expect(await countTagged(m)).toBe(1)
  })

  it('a read naming a just-created resource gets NotFound until the lag passes; filtered reads do not', async () => {
    const p = await proxy({readAfterWriteLagMs: 800})
    const ec2 = new EC2Client(config(p.endpoint))
    const m = marker()
    const vpc = (
      await ec2.send(new CreateVpcCommand({CidrBlock: '10.9.0.0/16', TagSpecifications: tagged(m)}))
    ).Vpc!.VpcId!
    const err = (await ec2.send(new DescribeVpcsCommand({VpcIds: [vpc]})).catch((e: unknown) => e)) as Error
    expect(err.name).toBe('InvalidVpcID.NotFound')
    const filtered = await ec2.send(new DescribeVpcsCommand({Filters: [{Name: 'tag:test', Values: [m]}]}))
    expect(filtered.Vpcs?.map((v) => v.VpcId)).toEqual([vpc])
    await sleep(900)
    expect((await ec2.send(new DescribeVpcsCommand({VpcIds: [vpc]}))).Vpcs?.[0]?.VpcId).toBe(vpc)
    expect(p.faults.map((f) => [f.kind, f.action, f.resource])).toEqual([['lagged', 'DescribeVpcs', vpc]])
  })

  it('holds a NAT gateway pending and a load balancer provisioning, time scaled', async () => {
    // 30 s and 60 s at a tenth of the time.
    const p = await proxy({natGatewayPendingMs: 30_000, loadBalancerProvisioningMs: 60_000, timeScale: 0.1})
    const ec2 = new EC2Client(config(p.endpoint))
    const vpc = (await ec2.send(new CreateVpcCommand({CidrBlock: '10.8.0.0/16'}))).Vpc!.VpcId!
    const subnet = (
      await ec2.send(
        new CreateSubnetCommand({VpcId: vpc, CidrBlock: '10.8.1.0/24', AvailabilityZone: `${region}a`}),
      )
    ).Subnet!.SubnetId!
    const eip = (await ec2.send(new AllocateAddressCommand({Domain: 'vpc'}))).AllocationId!
    const nat = (await ec2.send(new CreateNatGatewayCommand({SubnetId: subnet, AllocationId: eip})))
      .NatGateway!.NatGatewayId!
    const natState = async () =>
      (await ec2.send(new DescribeNatGatewaysCommand({NatGatewayIds: [nat]}))).NatGateways?.[0]?.State
    const elb = new ElasticLoadBalancingV2Client(config(p.endpoint))
    const lb = (
      await elb.send(
        new CreateLoadBalancerCommand({Name: marker().slice(0, 30), Type: 'network', Subnets: [subnet]}),
      )
    ).LoadBalancers![0]!.LoadBalancerArn!
    const lbState = async () =>
      (await elb.send(new DescribeLoadBalancersCommand({LoadBalancerArns: [lb]}))).LoadBalancers?.[0]?.State
        ?.Code
    const made = Date.now()
    expect(await natState()).toBe('pending')
    expect(await lbState()).toBe('provisioning')
    // Past the NAT gateway's 3 s, within the load balancer's 6 s (the load balancer was made last).
    await sleep(3100 - (Date.now() - made))
    expect(await natState()).toBe('available')
    if (Date.now() - made < 5000) expect(await lbState()).toBe('provisioning')
    await sleep(6100 - (Date.now() - made))
    expect(await lbState()).toBe('active')
    expect(p.stats.pending).toBeGreaterThanOrEqual(2)
  })

  it('throttles in bursts at the rate asked, with the service’s own error, and retries get through', async () => {
    const p = await proxy({burstThrottleRate: 0.2, burstLength: 5, seed: 3})
    const ec2 = new EC2Client(config(p.endpoint))
    const outcomes: boolean[] = []
    for (let i = 0; i < 300; i++) {
      const ok = await ec2
        .send(new DescribeVpcsCommand({MaxResults: 5 + (i % 900)}))
        .then(() => true)
        .catch((e: unknown) => {
          expect((e as Error).name).toBe('RequestLimitExceeded')
          return false
        })
      outcomes.push(ok)
    }
    const throttled = outcomes.filter((o) => !o).length
    expect(throttled / outcomes.length).toBeGreaterThan(0.1)
    expect(throttled / outcomes.length).toBeLessThan(0.3)
    // In runs, not scattered: the mean run of throttled calls is several long.
    const runs = outcomes.map((o, i) => !o && (i === 0 || outcomes[i - 1])).filter(Boolean).length
    expect(throttled / runs).toBeGreaterThan(2.5)
    // A client that retries (as kforge's do) never sees them.
    const retrying = new EC2Client({...config(p.endpoint), maxAttempts: 6})
    for (let i = 0; i < 40; i++) await retrying.send(new DescribeVpcsCommand({MaxResults: 1000 - i}))
  })

  it('answers a repeated ClientToken as AWS does: the first answer, or IdempotentParameterMismatch', async () => {
    const p = await proxy({})
    const ec2 = new EC2Client(config(p.endpoint))
    const vpc = (await ec2.send(new CreateVpcCommand({CidrBlock: '10.7.0.0/16'}))).Vpc!.VpcId!
    const other = (await ec2.send(new CreateVpcCommand({CidrBlock: '10.6.0.0/16'}))).Vpc!.VpcId!
    const token = marker()
    const first = (await ec2.send(new CreateRouteTableCommand({VpcId: vpc, ClientToken: token}))).RouteTable!
    const again = (await ec2.send(new CreateRouteTableCommand({VpcId: vpc, ClientToken: token}))).RouteTable!
    expect(again.RouteTableId).toBe(first.RouteTableId)
    const err = (await ec2
      .send(new CreateRouteTableCommand({VpcId: other, ClientToken: token}))
      .catch((e: unknown) => e)) as Error
    expect(err.name).toBe('IdempotentParameterMismatch')
    expect(p.stats.tokenReplayed).toBe(1)
  })

  it('refuses a second auto-scaling group of one name and answers a repeated listener with the first, as AWS does', async () => {
    const p = await proxy({})
    const ec2 = new EC2Client(config(p.endpoint))
    const lt = (
      await ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: marker(),
          LaunchTemplateData: {ImageId: 'ami-12c6146b'},
        }),
      )
    ).LaunchTemplate!.LaunchTemplateId!
    const asg = new AutoScalingClient(config(p.endpoint))
    const group = {
      AutoScalingGroupName: marker(),
      MinSize: 0,
      MaxSize: 1,
      LaunchTemplate: {LaunchTemplateId: lt, Version: '1'},
      AvailabilityZones: [`${region}a`],
    }
    await asg.send(new CreateAutoScalingGroupCommand(group))
    const err = (await asg.send(new CreateAutoScalingGroupCommand(group)).catch((e: unknown) => e)) as Error
    expect(err.name).toBe('AlreadyExistsFault')

    const vpc = (await ec2.send(new CreateVpcCommand({CidrBlock: '10.5.0.0/16'}))).Vpc!.VpcId!
    const subnet = (
      await ec2.send(
        new CreateSubnetCommand({VpcId: vpc, CidrBlock: '10.5.1.0/24', AvailabilityZone: `${region}a`}),
      )
    ).Subnet!.SubnetId!
    const elb = new ElasticLoadBalancingV2Client(config(p.endpoint))
    const lb = (
      await elb.send(
        new CreateLoadBalancerCommand({Name: marker().slice(0, 30), Type: 'network', Subnets: [subnet]}),
      )
    ).LoadBalancers![0]!.LoadBalancerArn!
    const tg = async () =>
      (
        await elb.send(
          new CreateTargetGroupCommand({Name: marker().slice(0, 30), Protocol: 'TCP', Port: 443, VpcId: vpc}),
        )
      ).TargetGroups![0]!.TargetGroupArn!
    const first = await tg()
    const listener = (target: string) =>
      elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb,
          Protocol: 'TCP',
          Port: 443,
          DefaultActions: [{Type: 'forward', TargetGroupArn: target}],
        }),
      )
    const a = (await listener(first)).Listeners![0]!.ListenerArn
    const b = (await listener(first)).Listeners![0]!.ListenerArn
    expect(b).toBe(a)
    const other = (await listener(await tg()).catch((e: unknown) => e)) as Error
    expect(other.name).toBe('DuplicateListenerException')
    expect((await elb.send(new DescribeListenersCommand({LoadBalancerArn: lb}))).Listeners).toHaveLength(1)
  })

  it('is reproducible: the same seed and requests give the same faults; the summary counts each kind', async () => {
    const run = async () => {
      const p = await proxy({lostResponseRate: 0.3, burstThrottleRate: 0.2, seed: 42, maxConsecutive: 1})
      const ec2 = new EC2Client(config(p.endpoint))
      for (let i = 0; i < 60; i++)
        await ec2.send(new DescribeVpcsCommand({MaxResults: 100 + i})).catch(() => {})
      return p
    }
    const a = await run()
    const b = await run()
    expect(a.faults.map((f) => f.kind)).toEqual(b.faults.map((f) => f.kind))
    expect(a.stats.lost).toBeGreaterThan(0)
    expect(a.stats.throttled).toBeGreaterThan(0)
    expect(a.summary()).toMatch(
      new RegExp(
        `^60 requests: ${a.stats.throttled} throttled, 0 dropped, ${a.stats.lost} answers lost, 0 answers late`,
      ),
    )
  })
})
