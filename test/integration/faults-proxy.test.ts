/**
 * The fault proxy speaks each service's own throttling dialect: with retries off, the SDK sees
 * exactly the error AWS would send (so with them on, it retries as it would against AWS).
 */
import {AutoScalingClient, DescribeAutoScalingGroupsCommand} from '@aws-sdk/client-auto-scaling'
import {DescribeVpcsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {IAMClient, ListRolesCommand} from '@aws-sdk/client-iam'
import {KMSClient, ListKeysCommand} from '@aws-sdk/client-kms'
import {ListHostedZonesCommand, Route53Client} from '@aws-sdk/client-route-53'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {type FaultProxy, startFaultProxy} from '../support/fault-proxy.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

describe('fault proxy', () => {
  let proxy: FaultProxy
  const config = () => ({
    region: 'us-east-1',
    endpoint: proxy.endpoint,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    maxAttempts: 1,
  })
  beforeAll(async () => {
    proxy = await startFaultProxy({target: inject('awsEndpoint'), rate: 1, dropShare: 0})
  })
  afterAll(async () => {
    await proxy.close()
  })

  it.each<[string, () => Promise<unknown>, string, number]>([
    ['ec2', () => new EC2Client(config()).send(new DescribeVpcsCommand({})), 'RequestLimitExceeded', 503],
    [
      'autoscaling',
      () => new AutoScalingClient(config()).send(new DescribeAutoScalingGroupsCommand({})),
      'Throttling',
      400,
    ],
    ['iam', () => new IAMClient(config()).send(new ListRolesCommand({})), 'Throttling', 400],
    ['kms', () => new KMSClient(config()).send(new ListKeysCommand({})), 'ThrottlingException', 400],
    ['route53', () => new Route53Client(config()).send(new ListHostedZonesCommand({})), 'Throttling', 400],
  ])('%s: the SDK sees its throttling error', async (_service, call, code, status) => {
    const err = (await call().catch((e: unknown) => e)) as {
      name: string
      $metadata?: {httpStatusCode?: number}
    }
    expect(err.name).toBe(code)
    expect(err.$metadata?.httpStatusCode).toBe(status)
  })

  it('passes a request through once it has been faulted maxConsecutive times', async () => {
    // A request this proxy has not faulted before (the same one would continue its streak).
    const ec2 = new EC2Client({...config(), maxAttempts: 4})
    const out = await ec2.send(new DescribeVpcsCommand({MaxResults: 7}))
    expect(Array.isArray(out.Vpcs)).toBe(true)
    expect(out.$metadata.attempts).toBe(4)
  })

  it('counts the faults of identical calls in flight at once apart: each gets through on its own fourth attempt', async () => {
    const ec2 = new EC2Client({...config(), maxAttempts: 4})
    const both = await Promise.all([1, 2].map(() => ec2.send(new DescribeVpcsCommand({MaxResults: 9}))))
    expect(both.map((out) => out.$metadata.attempts)).toEqual([4, 4])
  })

  it('drops connections without forwarding them', async () => {
    const dropper = await startFaultProxy({
      target: inject('awsEndpoint'),
      rate: 1,
      dropShare: 1,
      maxConsecutive: 1,
    })
    try {
      const forwarded = dropper.stats.forwarded
      const err = (await new EC2Client({...config(), endpoint: dropper.endpoint})
        .send(new DescribeVpcsCommand({}))
        .catch((e: unknown) => e)) as Error
      expect(err).toBeInstanceOf(Error)
      expect(dropper.stats.dropped).toBe(1)
      expect(dropper.stats.forwarded).toBe(forwarded)
    } finally {
      await dropper.close()
    }
  })
})
