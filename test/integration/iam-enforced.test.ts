/**
 * The instance roles under enforcement: moto with IAM enforced evaluates S3 object ARNs for
 * assumed-role credentials, so the node agent fetch — the first thing every instance does — and
 * the refusals around it are proven against a real evaluator here, with the exact documents the
 * resource model carries. (Conditions and KMS key ARNs moto does not evaluate:
 * test/unit/cloud/aws/iam-policies.test.ts proves those with a policy simulator.)
 */
import {CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {nodeAgentKey} from '../../src/assets/node-agent.js'
import {publishedConfigKey} from '../../src/render/render.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {assumeInstanceRoles, instanceRoleDocuments} from '../support/instance-roles.js'
import {type Credentials, type EnforcedMoto, startEnforcedMotoWithAdmin} from '../support/moto-iam.js'

const REGION = 'us-east-1'
const ACCOUNT = '123456789012'
const BUCKET = 'kforge-state'
const CLUSTER = 'iam.enforced.example.com'
const OTHER = 'other.enforced.example.com'
const SHA = 'cd'.repeat(32)

const cluster = haPrivateCluster(CLUSTER)
const groups = (role: string) => cluster.instanceGroups.filter((g) => g.spec.role === role).map((g) => g.name)

let moto: EnforcedMoto
let admin: Credentials & {arn: string}
let roleCredentials: Map<string, Credentials>

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
  ;({moto, admin} = await startEnforcedMotoWithAdmin())

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

  // The key (a Ref in the model) as an ARN: moto does not evaluate KMS key ARNs anyway.
  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-0000-0000-000000000001`
  roleCredentials = await assumeInstanceRoles(
    {endpoint: moto.endpoint, region: REGION, cluster: CLUSTER, admin},
    instanceRoleDocuments(cluster, {stateStore: `s3://${BUCKET}/team`, keyArn}),
  )
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
