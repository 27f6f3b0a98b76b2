/**
 * The instance roles under enforcement: moto with IAM enforced evaluates S3 object ARNs for
 * assumed-role credentials, so the node agent fetch — the first thing every instance does — and
 * the refusals around it are proven against a real evaluator here, with the exact documents the
 * resource model carries. (Conditions and KMS key ARNs moto does not evaluate:
 * test/unit/cloud/aws/iam-policies.test.ts proves those with a policy simulator.)
 */
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam'
import {CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {AssumeRoleCommand, STSClient} from '@aws-sdk/client-sts'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {nodeAgentKey} from '../../src/assets/node-agent.js'
import {ASSUME_EC2} from '../../src/cloud/aws/build/iam.js'
import {buildModel} from '../../src/cloud/aws/build/index.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {Ref} from '../../src/cloud/aws/model/types.js'
import {clusterPath} from '../../src/cloud/aws/resources/iam.js'
import {publishedConfigKey} from '../../src/render/render.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {type EnforcedMoto, startEnforcedMoto} from '../support/moto-iam.js'

const REGION = 'us-east-1'
const ACCOUNT = '123456789012'
const BUCKET = 'kforge-state'
const CLUSTER = 'iam.enforced.example.com'
const OTHER = 'other.enforced.example.com'
const SHA = 'cd'.repeat(32)

interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

const cluster = haPrivateCluster(CLUSTER)
const groups = (role: string) => cluster.instanceGroups.filter((g) => g.spec.role === role).map((g) => g.name)

/** The documents kforge's model carries for this cluster; the key (a Ref) as an ARN. */
function roleDocuments(): Map<string, unknown> {
  const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
  const model = buildModel(cluster, {
    images: new Map(cluster.instanceGroups.map((g) => [g.name, image])),
    userData: (g) => `#cloud-config\n# ${g}\n`,
    stateStore: `s3://${BUCKET}/team`,
  })
  const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-000000000001`
  const resolve = (v: unknown): unknown =>
    v instanceof Ref
      ? key
      : Array.isArray(v)
        ? v.map(resolve)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]))
          : v
  return new Map(
    model.resources
      .filter((r) => r.kind === 'RolePolicy')
      .map((r) => [r.name.replace(/^policy-/, ''), resolve((r.props as {document: unknown}).document)]),
  )
}

let moto: EnforcedMoto
let admin: Credentials
const adminArn = `arn:aws:iam::${ACCOUNT}:user/kforge-test-admin`
const roleCredentials = new Map<string, Credentials>()

const s3 = (credentials: Credentials) =>
  new S3Client({region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials})

async function get(credentials: Credentials, key: string): Promise<string> {
  try {
    const out = await s3(credentials).send(new GetObjectCommand({Bucket: BUCKET, Key: `team/${key}`}))
    return (await out.Body?.transformToString()) ?? ''
  } catch (err) {
    return `refused: ${(err as {name?: string}).name ?? String(err)}`
  }
}

beforeAll(async () => {
  // Three free requests: the administrator that sets the scene. Every later request is checked.
  moto = await startEnforcedMoto(3)
  const bootstrap = new IAMClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
  })
  await bootstrap.send(new CreateUserCommand({UserName: 'kforge-test-admin'}))
  await bootstrap.send(
    new PutUserPolicyCommand({
      UserName: 'kforge-test-admin',
      PolicyName: 'admin',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{Effect: 'Allow', Action: '*', Resource: '*'}],
      }),
    }),
  )
  const key = (await bootstrap.send(new CreateAccessKeyCommand({UserName: 'kforge-test-admin'}))).AccessKey!
  admin = {accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey!}

  const store = s3(admin)
  await store.send(new CreateBucketCommand({Bucket: BUCKET}))
  const objects = [
    nodeAgentKey(CLUSTER, SHA),
    nodeAgentKey(OTHER, SHA),
    ...groups('control-plane').map((g) => publishedConfigKey(CLUSTER, g, SHA)),
    ...groups('node').map((g) => publishedConfigKey(CLUSTER, g, SHA)),
    ...groups('node').map((g) => publishedConfigKey(OTHER, g, SHA)),
    `${CLUSTER}/config`,
  ]
  for (const k of objects) {
    await store.send(new PutObjectCommand({Bucket: BUCKET, Key: `team/${k}`, Body: `object ${k}`}))
  }

  const iam = new IAMClient({region: REGION, endpoint: moto.endpoint, credentials: admin})
  const sts = new STSClient({region: REGION, endpoint: moto.endpoint, credentials: admin})
  for (const [role, document] of roleDocuments()) {
    const name = awsNames.instanceRole(role, CLUSTER)
    // EC2's trust, with the test's administrator beside EC2 in the same statement: the test stands
    // in for EC2 handing out the profile's credentials. moto 5.2 answers HTTP 500 to AssumeRole when
    // any statement names only a service (even beside a statement naming the caller), and it
    // matches the caller's own ARN, not the account root.
    const trust = {
      ...ASSUME_EC2,
      Statement: ASSUME_EC2.Statement.map((s) => ({
        ...s,
        Principal: {...s.Principal, AWS: adminArn},
      })),
    }
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: clusterPath(CLUSTER),
        AssumeRolePolicyDocument: JSON.stringify(trust),
      }),
    )
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: `kforge-${role}`,
        PolicyDocument: JSON.stringify(document),
      }),
    )
    const out = await sts.send(
      new AssumeRoleCommand({RoleArn: created.Role!.Arn!, RoleSessionName: `i-${role}`}),
    )
    roleCredentials.set(role, {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    })
  }
}, 60_000)

afterAll(async () => {
  await moto?.stop()
})

describe('instance roles with IAM enforced', {timeout: 60_000}, () => {
  it('enforces: credentials nobody knows are refused', async () => {
    expect(
      await get({accessKeyId: 'testing', secretAccessKey: 'testing'}, nodeAgentKey(CLUSTER, SHA)),
    ).toMatch(/^refused/)
  })

  it('the node role fetches the node agent and its groups’ cloud-configs', async () => {
    const node = roleCredentials.get('nodes')!
    expect(await get(node, nodeAgentKey(CLUSTER, SHA))).toBe(`object ${nodeAgentKey(CLUSTER, SHA)}`)
    for (const g of groups('node')) {
      const k = publishedConfigKey(CLUSTER, g, SHA)
      expect(await get(node, k)).toBe(`object ${k}`)
    }
  })

  it('the node role cannot read control-plane objects, another cluster’s prefix or the spec', async () => {
    const node = roleCredentials.get('nodes')!
    for (const g of groups('control-plane')) {
      expect(await get(node, publishedConfigKey(CLUSTER, g, SHA))).toBe('refused: AccessDenied')
    }
    expect(await get(node, nodeAgentKey(OTHER, SHA))).toBe('refused: AccessDenied')
    for (const g of groups('node')) {
      expect(await get(node, publishedConfigKey(OTHER, g, SHA))).toBe('refused: AccessDenied')
    }
    expect(await get(node, `${CLUSTER}/config`)).toBe('refused: AccessDenied')
  })

  it('the control-plane role fetches the agent and its own cloud-configs, not the nodes’', async () => {
    const cp = roleCredentials.get('control-plane')!
    expect(await get(cp, nodeAgentKey(CLUSTER, SHA))).toBe(`object ${nodeAgentKey(CLUSTER, SHA)}`)
    for (const g of groups('control-plane')) {
      const k = publishedConfigKey(CLUSTER, g, SHA)
      expect(await get(cp, k)).toBe(`object ${k}`)
    }
    for (const g of groups('node')) {
      expect(await get(cp, publishedConfigKey(CLUSTER, g, SHA))).toBe('refused: AccessDenied')
    }
  })
})
