/**
 * The CloudFormation target through the CLI: deterministic bytes in JSON and YAML, cfn-lint
 * clean, the inline-size note, and a stack deployed into the emulator's CloudFormation that has
 * the same resource kinds, counts and tags as the same spec applied by the direct target. Each
 * export follows `update cluster --phase prerequisites --yes` (the key and the state store's
 * objects the stack takes as literals: cfn-prerequisites.test.ts).
 *
 * The emulator's CloudFormation (moto 5.2) falls short in two places, so the deployed spec
 * avoids them — the full template (NLB, key pair) is still linted:
 *  - AWS::ElasticLoadBalancingV2::LoadBalancer ignores Type, Name and Tags (it makes an
 *    application load balancer, which refuses a TCP listener): the deployed spec uses endpoint dns;
 *  - AWS::EC2::KeyPair is not implemented: it has no SSH key.
 * And it drops the Tags of AWS::EC2::InternetGateway, RouteTable, EIP and NatGateway: those kinds
 * are counted from the stack's resources, and their tags compared as the template declares them.
 */
import {execFile} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation'
import {DescribeSecurityGroupRulesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {
  CreateHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53'
import {CreateBucketCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {HOOK_RECORD_TAG} from '../../src/cloud/aws/resources/lifecycle-hook.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {counts, type Inventory, inventory} from '../fixtures/cloud/inventory.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

const run = promisify(execFile)
const region = 'sa-east-1'
const dir = tempDir('kforge-cfn-')
const env = {
  ...emulatorEnv(region),
  KFORGE_STATE_STORE: 's3://kforge-cfn-export/kforge',
  KFORGE_POLL_MS: '50',
}
const creds = {accessKeyId: 'testing', secretAccessKey: 'testing'}
const kforge = (...args: string[]) => runKforge(args, {env})

async function store(cluster: Cluster) {
  const file = join(dir, `${cluster.name}.yaml`)
  writeFileSync(file, renderSpec(cluster))
  const r = await kforge('create', '-f', file)
  expect(r.code, r.stderr).toBe(0)
}

/** The key and the state store's objects the stack's user-data is rendered from. */
async function prerequisites(cluster: string) {
  const r = await kforge('update', 'cluster', cluster, '--phase', 'prerequisites', '--yes')
  expect(r.code, r.stderr).toBe(0)
}

async function cfnLint(file: string): Promise<{code: number; out: string}> {
  try {
    const {stdout} = await run('cfn-lint', [file])
    return {code: 0, out: stdout}
  } catch (err) {
    const e = err as {code: number; stdout: string; stderr: string}
    return {code: e.code, out: e.stdout + e.stderr}
  }
}

// The state store lives in the emulator's S3, where instances would fetch from it.
beforeAll(async () => {
  await emulatorStateStore(region, 'kforge-cfn-export')
})

describe('export cloudformation', {timeout: 300_000}, () => {
  const full = 'full.cfn-export.example.com'
  beforeAll(async () => {
    await store(haPrivateCluster(full, region))
    await prerequisites(full)
  }, 300_000)

  it('writes identical bytes for identical input, JSON and YAML, and both pass cfn-lint', async () => {
    for (const format of ['json', 'yaml']) {
      const a = await kforge('export', 'cloudformation', full, '--out', join(dir, 'a'), '--format', format)
      const b = await kforge('export', 'cloudformation', full, '--out', join(dir, 'b'), '--format', format)
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      const file = `${full}.cloudformation.${format}`
      const bytes = readFileSync(join(dir, 'a', file))
      expect(bytes.equals(readFileSync(join(dir, 'b', file)))).toBe(true)
      const lint = await cfnLint(join(dir, 'a', file))
      expect(lint.out).toBe('')
      expect(lint.code).toBe(0)
    }
  })

  it('has every kind, Ref/GetAtt references, outputs, and says when it must be uploaded', async () => {
    const r = await kforge('export', 'cloudformation', full, '--out', join(dir, 'c'))
    const text = readFileSync(join(dir, 'c', `${full}.cloudformation.json`), 'utf8')
    const t = JSON.parse(text) as {
      Resources: Record<string, {Type: string; Properties: Record<string, unknown>}>
      Outputs: object
    }
    const types = new Set(Object.values(t.Resources).map((x) => x.Type))
    for (const type of [
      'AWS::EC2::VPC',
      'AWS::EC2::NatGateway',
      'AWS::EC2::SecurityGroupIngress',
      'AWS::IAM::Role',
      'AWS::IAM::InstanceProfile',
      'AWS::EC2::KeyPair',
      'AWS::EC2::LaunchTemplate',
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::Listener',
      'AWS::Route53::RecordSet',
    ]) {
      expect(types, type).toContain(type)
    }
    // The cluster key is a prerequisite, made directly: the stack names it, never owns it.
    expect(types).not.toContain('AWS::KMS::Key')
    expect(types).not.toContain('AWS::KMS::Alias')
    expect(t.Resources.SubnetSaEast1a!.Properties.VpcId).toEqual({Ref: 'Vpc'})
    expect(t.Resources.AsgNodes!.Properties.LaunchTemplate).toEqual({
      LaunchTemplateId: {Ref: 'LtNodes'},
      Version: {'Fn::GetAtt': ['LtNodes', 'LatestVersionNumber']},
    })
    expect(Object.keys(t.Outputs)).toEqual(
      expect.arrayContaining(['VpcId', 'ApiLoadBalancerDnsName', 'KmsKeyArn']),
    )
    const bytes = Buffer.byteLength(text)
    if (bytes > 51_200) expect(r.stdout).toContain('upload it to S3')
    else expect(r.stdout).not.toContain('upload it to S3')
  })

  it('update cluster --target cloudformation writes the same template', async () => {
    const r = await kforge('update', 'cluster', full, '--target', 'cloudformation', '--out', join(dir, 'd'))
    expect(r.code, r.stderr).toBe(0)
    const file = `${full}.cloudformation.json`
    expect(readFileSync(join(dir, 'd', file)).equals(readFileSync(join(dir, 'a', file)))).toBe(true)
  })
})

const UNTAGGED_BY_EMULATOR: Record<string, string> = {
  InternetGateway: 'AWS::EC2::InternetGateway',
  RouteTable: 'AWS::EC2::RouteTable',
  Eip: 'AWS::EC2::EIP',
  NatGateway: 'AWS::EC2::NatGateway',
}

async function listStackResources(cfn: CloudFormationClient, name: string): Promise<string[]> {
  const types: string[] = []
  let token: string | undefined
  do {
    const page = await cfn.send(new ListStackResourcesCommand({StackName: name, NextToken: token}))
    for (const r of page.StackResourceSummaries ?? [])
      if (r.ResourceStatus === 'CREATE_COMPLETE') types.push(r.ResourceType!)
    token = page.NextToken
  } while (token)
  return types
}

/** Tags with the cluster's name abstracted and CloudFormation's own tags left out. */
function shape(inv: Inventory, cluster: string): Record<string, string[][]> {
  const out: Record<string, string[][]> = {}
  for (const [kind, items] of Object.entries(inv)) {
    out[kind] = items
      .map((i) =>
        Object.entries(i.tags)
          .filter(([k]) => !k.startsWith('aws:'))
          .map(([k, v]) => `${k.replaceAll(cluster, 'CLUSTER')}=${v.replaceAll(cluster, 'CLUSTER')}`)
          .sort(),
      )
      .sort((a, b) => a.join().localeCompare(b.join()))
  }
  return out
}

describe('the stack deployed into the emulator matches the direct target', {timeout: 300_000}, () => {
  const direct = 'direct.cfn-deploy.example.com'
  const stack = 'stack.cfn-deploy.example.com'
  const endpoint = () => inject('awsEndpoint')

  function deployable(name: string, keyArn: string): Cluster {
    const c = haPrivateCluster(name, region, {kmsKeyArn: keyArn})
    delete c.spec.cloud.aws.sshKey
    c.spec.api.endpoint = 'dns'
    return c
  }

  async function ingressRules(ec2: EC2Client, groups: string[]) {
    const rules = await ec2.send(
      new DescribeSecurityGroupRulesCommand({Filters: [{Name: 'group-id', Values: groups}]}),
    )
    return (rules.SecurityGroupRules ?? []).filter((r) => !r.IsEgress).length
  }

  async function apiRecords(r53: Route53Client, zoneId: string, cluster: string) {
    const sets =
      (await r53.send(new ListResourceRecordSetsCommand({HostedZoneId: zoneId}))).ResourceRecordSets ?? []
    return sets
      .filter((s) => s.Type === 'A' && s.Name!.endsWith(`${cluster}.`))
      .map((s) => s.Name!.replace(cluster, 'CLUSTER'))
      .sort()
  }

  it('deploys to CREATE_COMPLETE with the same kinds, counts and tags', async () => {
    const kms = new KMSClient({region, endpoint: endpoint(), credentials: creds})
    const keyArn = (await kms.send(new CreateKeyCommand({Description: 'the user key'}))).KeyMetadata!.Arn!
    const r53 = new Route53Client({region, endpoint: endpoint(), credentials: creds})
    // The stack expects its zone to exist (records name it by HostedZoneName).
    await r53.send(
      new CreateHostedZoneCommand({Name: 'cfn-deploy.example.com', CallerReference: `cfn-${Date.now()}`}),
    )

    await store(deployable(direct, keyArn))
    await store(deployable(stack, keyArn))
    await prerequisites(stack)
    const applied = await kforge('update', 'cluster', direct, '--yes')
    expect(applied.code, applied.stderr).toBe(0)

    const exported = await kforge('export', 'cloudformation', stack, '--out', join(dir, 'stack'))
    expect(exported.code, exported.stderr).toBe(0)
    const file = join(dir, 'stack', `${stack}.cloudformation.json`)
    expect((await cfnLint(file)).code).toBe(0)
    // Deployed by URL, as a template over the inline limit must be.
    const s3 = new S3Client({region, endpoint: endpoint(), credentials: creds, forcePathStyle: true})
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'cfn-templates',
        CreateBucketConfiguration: {LocationConstraint: region},
      }),
    )
    await s3.send(
      new PutObjectCommand({Bucket: 'cfn-templates', Key: 'stack.json', Body: readFileSync(file)}),
    )
    const cfn = new CloudFormationClient({region, endpoint: endpoint(), credentials: creds})
    await cfn.send(
      new CreateStackCommand({
        StackName: 'kforge-stack',
        TemplateURL: 'https://s3.amazonaws.com/cfn-templates/stack.json',
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    )
    const status = (await cfn.send(new DescribeStacksCommand({StackName: 'kforge-stack'}))).Stacks![0]!
    expect(status.StackStatus).toBe('CREATE_COMPLETE')
    expect(status.Outputs?.map((o) => o.OutputKey).sort()).toEqual(['ApiEndpoint', 'VpcId'])

    const fromDirect = await inventory(endpoint(), region, direct)
    const fromStack = await inventory(endpoint(), region, stack)
    // The direct target records the termination hook it put on each group with a kubelet in a tag
    // of the group (AWS has no batched read of hooks); a stack needs no record: CloudFormation
    // tracks its own hooks. Present on every such group, then left out of the comparison.
    const recorded = (fromDirect.AutoScalingGroup ?? []).filter((g) => g.tags[HOOK_RECORD_TAG] !== undefined)
    expect(recorded.length).toBe(
      (fromDirect.AutoScalingGroup ?? []).filter((g) => !/^bastion/.test(g.id)).length,
    )
    for (const g of recorded) delete g.tags[HOOK_RECORD_TAG]
    const template = JSON.parse(readFileSync(file, 'utf8')) as {
      Resources: Record<string, {Type: string; Properties: {Tags?: {Key: string; Value: string}[]}}>
    }
    const declared = (kind: string) =>
      Object.values(template.Resources)
        .filter((r) => r.Type === UNTAGGED_BY_EMULATOR[kind])
        .map((r) => ({
          id: '',
          tags: Object.fromEntries((r.Properties.Tags ?? []).map((t) => [t.Key, t.Value])),
        }))
    const stackResources = await listStackResources(cfn, 'kforge-stack')
    const seen: Inventory = {...fromStack}
    for (const kind of Object.keys(UNTAGGED_BY_EMULATOR)) {
      expect(stackResources.filter((t) => t === UNTAGGED_BY_EMULATOR[kind]).length, kind).toBe(
        declared(kind).length,
      )
      seen[kind] = declared(kind)
    }
    expect(counts(seen)).toEqual(counts(fromDirect))
    expect(shape(seen, stack)).toEqual(shape(fromDirect, direct))

    const ec2 = new EC2Client({region, endpoint: endpoint(), credentials: creds})
    expect(
      await ingressRules(
        ec2,
        fromStack.SecurityGroup!.map((g) => g.id),
      ),
    ).toBe(
      await ingressRules(
        ec2,
        fromDirect.SecurityGroup!.map((g) => g.id),
      ),
    )
    const zone = (await r53.send(new ListHostedZonesByNameCommand({DNSName: 'cfn-deploy.example.com.'})))
      .HostedZones![0]!
    expect(await apiRecords(r53, zone.Id!, stack)).toEqual(await apiRecords(r53, zone.Id!, direct))
    expect(await apiRecords(r53, zone.Id!, stack)).toEqual(['api.CLUSTER.', 'api.internal.CLUSTER.'])

    // The stack stays: the emulator's DeleteStack trips over its own ordering (DependencyViolation
    // on the VPC), and its resources carry this file's own cluster name.
    const d = await kforge('delete', 'cluster', direct, '--yes')
    expect(d.code, d.stderr).toBe(0)
  })
})
