/**
 * The control plane's files at boot, under enforced IAM (moto with INITIAL_NO_AUTH_ACTION_COUNT):
 * the provisioner seals and bundles real PKI into the state store exactly as an apply does, and
 * the node agent's fetch-and-decrypt runs with credentials of each instance role, assumed with the
 * exact policy documents the resource model carries.
 *
 * moto evaluates the S3 object ARNs (the role's own `secrets/control-plane/` prefix), but neither
 * KMS key ARNs nor Condition blocks (a kms:Decrypt limited to one key ARN is denied for every key):
 * so each role runs on a copy of its document in which only the kms:Decrypt statements are widened
 * to `Resource: "*"` without their conditions. What the widened part restricts — the key, and the
 * encryption context {cluster, role, asset} — is proven by the policy simulator
 * (test/unit/cloud/aws/iam-policies.test.ts), and KMS itself refuses a ciphertext opened under
 * another context (test/unit/assets/node-agent.test.ts).
 */
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CreateAliasCommand, CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {ASSET_CATALOG} from '../../src/assets/catalog.js'
import {decryptAssets, readManifest} from '../../src/assets/decrypt.js'
import {type ClusterMaterial, defaultKmsKey, prepareClusterAssets} from '../../src/assets/prepare.js'
import type {PolicyDocument} from '../../src/cloud/aws/build/iam-policies.js'
import {AwsClients} from '../../src/cloud/aws/clients.js'
import {renderClusterUserData} from '../../src/render/render.js'
import type {ClusterAssets, RenderedUserData} from '../../src/render/types.js'
import {S3StateStore} from '../../src/state/s3.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {clusterMaterial} from '../fixtures/render/material.js'
import {tempDir} from '../support/cli.js'
import {assumeInstanceRoles, instanceRoleDocuments} from '../support/instance-roles.js'
import {type Credentials, type EnforcedMoto, startEnforcedMotoWithAdmin} from '../support/moto-iam.js'

const REGION = 'us-east-1'
const BUCKET = 'kforge-secrets-enforced'
const STATE = `s3://${BUCKET}/team`
const CLUSTER = 'secrets.enforced.example.com'

const cluster = haPrivateCluster(CLUSTER)
const dir = tempDir('kforge-secrets-enforced-')
let moto: EnforcedMoto
let admin: Credentials & {arn: string}
let keyArn: string
let material: ClusterMaterial
let assets: ClusterAssets
let rendered: RenderedUserData[]
let roleCredentials: Map<string, Credentials>
/** The kms:Decrypt statements as kforge writes them, before widening for moto. */
const decryptStatements = new Map<string, unknown[]>()

/** moto cannot evaluate KMS key ARNs or conditions: only those statements are widened. */
function widenedForMoto(doc: PolicyDocument): PolicyDocument {
  return {
    ...doc,
    Statement: doc.Statement.map((s) => {
      if (!s.Action.every((a) => a.startsWith('kms:'))) return s
      const {Condition: _dropped, ...rest} = s
      return {...rest, Resource: '*'}
    }),
  }
}

const clients = (credentials: Credentials) => ({
  kms: new KMSClient({region: REGION, endpoint: moto.endpoint, credentials}),
  s3: new S3Client({region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials}),
})

/** The assets manifest of a group's cloud-config, written to a file as cloud-init would. */
function manifestOf(r: RenderedUserData): string {
  const files = (parse(r.cloudConfig) as {write_files: Array<{path: string; content: string}>}).write_files
  const content = files.find((f) => f.path === '/etc/kforge/assets.json')!.content
  const file = join(dir, `${r.group}.assets.json`)
  writeFileSync(file, content)
  return file
}

beforeAll(async () => {
  ;({moto, admin} = await startEnforcedMotoWithAdmin())

  // The provisioner (the administrator here): the cluster key, the bucket, the sealed bundle.
  const {kms, s3} = clients(admin)
  keyArn = (await kms.send(new CreateKeyCommand({Description: 'kforge cluster key'}))).KeyMetadata!.Arn!
  await kms.send(new CreateAliasCommand({AliasName: defaultKmsKey(CLUSTER), TargetKeyId: keyArn}))
  await s3.send(new CreateBucketCommand({Bucket: BUCKET}))
  process.env.AWS_ACCESS_KEY_ID = admin.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = admin.secretAccessKey
  const aws = new AwsClients({endpoint: moto.endpoint, region: REGION})
  const store = S3StateStore.fromUrl(STATE, {endpoint: moto.endpoint, region: REGION})
  material = clusterMaterial()
  assets = await prepareClusterAssets({
    cluster,
    material,
    store,
    aws,
    nodeAgent: {url: `${STATE}/${CLUSTER}/assets/node-agent/kforge.mjs`, sha256: 'a'.repeat(64)},
    publish: true,
  })
  rendered = renderClusterUserData(cluster, assets)

  const documents = instanceRoleDocuments(cluster, {stateStore: STATE, keyArn})
  for (const [role, document] of documents) {
    decryptStatements.set(
      role,
      document.Statement.filter((s) => s.Action.includes('kms:Decrypt')),
    )
  }
  roleCredentials = await assumeInstanceRoles(
    {endpoint: moto.endpoint, region: REGION, cluster: CLUSTER, admin},
    new Map([...documents].map(([role, document]) => [role, widenedForMoto(document)])),
  )
}, 120_000)

afterAll(async () => {
  await moto?.stop()
})

describe('control-plane files at boot, IAM enforced', {timeout: 60_000}, () => {
  it('what was widened for moto is kforge’s conditioned kms:Decrypt, and nodes have none', () => {
    const cp = decryptStatements.get('control-plane') as Array<{Resource: unknown; Condition: unknown}>
    expect(cp.length).toBeGreaterThan(0)
    for (const s of cp) {
      expect(s.Resource).toBe(keyArn)
      expect(JSON.stringify(s.Condition)).toContain(`"kms:EncryptionContext:kforge.dev/cluster":"${CLUSTER}"`)
    }
    expect(JSON.stringify(cp)).toContain('"kms:EncryptionContext:kforge.dev/role":"control-plane"')
    expect(decryptStatements.get('nodes')).toEqual([])
  })

  it('a control-plane instance fetches its bundle and opens every file with its own role', async () => {
    const cpCreds = roleCredentials.get('control-plane')!
    for (const r of rendered.filter((x) => x.template.startsWith('control-plane'))) {
      const root = join(dir, 'root', r.group)
      mkdirSync(root, {recursive: true})
      const written = await decryptAssets(await readManifest(manifestOf(r)), clients(cpCreds), root)
      expect(written.sort()).toEqual(ASSET_CATALOG.map((a) => a.path).sort())
      for (const a of ASSET_CATALOG) {
        const file = join(root, a.path)
        expect(readFileSync(file).equals(material[a.name]!), `${r.group} ${a.name}`).toBe(true)
        expect(statSync(file).mode & 0o777).toBe(a.secret ? 0o600 : 0o644)
      }
    }
  })

  it('node credentials can neither fetch the control plane’s bundle nor decrypt it when they hold its bytes', async () => {
    const nodeCreds = clients(roleCredentials.get('nodes')!)
    const ref = assets.bundles['control-plane']!
    const cp = rendered.find((r) => r.template === 'control-plane-init')!
    const manifest = await readManifest(manifestOf(cp))
    await expect(decryptAssets(manifest, nodeCreds, join(dir, 'node-root'))).rejects.toThrow(
      /fetching the control-plane files s3:\/\/.*AccessDenied|Access Denied/,
    )
    // The bytes obtained some other way (a leaked copy somewhere the node may read): KMS refuses.
    const admins = clients(admin)
    const body = await (
      await admins.s3.send(new GetObjectCommand({Bucket: BUCKET, Key: `team/${ref.key}`}))
    ).Body!.transformToByteArray()
    const leaked = `${CLUSTER}/assets/node-agent/kforge-leaked.mjs`
    await admins.s3.send(new PutObjectCommand({Bucket: BUCKET, Key: `team/${leaked}`, Body: body}))
    const viaLeak = {...manifest, secrets: {...manifest.secrets!, url: `${STATE}/${leaked}`}}
    const nodeRoot = join(dir, 'node-root-2')
    await expect(decryptAssets(viaLeak, nodeCreds, nodeRoot)).rejects.toThrow(/KMS Decrypt of asset/)
    for (const a of ASSET_CATALOG.filter((x) => x.secret)) {
      expect(() => statSync(join(nodeRoot, a.path))).toThrow()
    }
  })

  it('control-plane credentials read no plaintext PKI and no other prefix of the store', async () => {
    const {s3} = clients(roleCredentials.get('control-plane')!)
    const admins = clients(admin)
    await admins.s3.send(
      new PutObjectCommand({Bucket: BUCKET, Key: `team/${CLUSTER}/pki/ca.key`, Body: 'plaintext'}),
    )
    for (const key of [`${CLUSTER}/pki/ca.key`, `other.example.com/secrets/control-plane/x.json`]) {
      await expect(s3.send(new GetObjectCommand({Bucket: BUCKET, Key: `team/${key}`})), key).rejects.toThrow(
        /Access Denied|AccessDenied/,
      )
    }
  })
})
