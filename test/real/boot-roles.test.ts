/**
 * Each instance group boots under its own role, with IAM enforced: kforge creates a cluster in the
 * enforcing emulator (its roles, policies, state-store objects and launch templates), then the
 * user-data of each group's launch template, byte for byte, is executed by Debian's cloud-init in a
 * node namespace of its own (test/support/boot-node.ts) whose IMDSv2 stand-in serves the
 * credentials of that group's role (sts:AssumeRole with the instance id as session name, as EC2
 * does), on the boot path that takes its software from the cluster's mirror in the state store.
 * Every AWS request the boot makes goes through a recording HTTPS front: none may be refused. The
 * boot goes as far as this harness allows (no control plane answers a joining node here); the test
 * pins which steps completed and which AWS calls each made.
 *
 * Like every real test it needs root and runs alone: it uses the local nodes' bridge.
 */
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DecryptCommand, KMSClient} from '@aws-sdk/client-kms'
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {BRIDGE_ADDRESS, ensureBridge, nodeAddress} from '../../src/sandbox/nodes/network.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {type BootResult, bootNodeWithCloudInit} from '../support/boot-node.js'
import {runKforge, tempDir} from '../support/cli.js'
import {type IamRecorder, type RecordedCall, startIamRecorder} from '../support/iam-recorder.js'
import {type ImdsStandIn, startImds} from '../support/imds.js'
import {
  awsHosts,
  type CloudContext,
  fillMirror,
  frontCertificates,
  imdsPaths,
  type LaunchedInstance,
  launchedInstances,
  roleCredentials,
  widenKmsForMoto,
} from '../support/instance-cloud.js'
import {
  ADMIN_POLICY,
  type Credentials,
  createUserWithPolicy,
  type EnforcedMoto,
  startEnforcedMoto,
} from '../support/moto-iam.js'
import {requireAssets} from './support.js'

const REGION = 'us-east-1'
const BUCKET = 'kforge-boot-roles'
const STORE = `s3://${BUCKET}/kforge`
const NAME = 'boot.roles.example.com'
const dir = tempDir('kforge-boot-roles-')

let moto: EnforcedMoto
let front: IamRecorder
let admin: Credentials & {arn: string}
let ctx: CloudContext
const booted = new Map<string, {result: BootResult; calls: RecordedCall[]; credentials: Credentials}>()

async function boot(i: LaunchedInstance, index: number): Promise<void> {
  const c = await roleCredentials(ctx, i.role, i.id)
  const imds: ImdsStandIn = await startImds(imdsPaths(ctx, i, c), BRIDGE_ADDRESS)
  const from = front.calls.length
  try {
    const result = await bootNodeWithCloudInit({
      name: `boot${index}`,
      address: nodeAddress(40 + index),
      dir: join(dir, 'nodes', i.group),
      userData: i.userData,
      instanceId: i.id,
      imdsPort: Number(new URL(imds.url).port),
      awsPort: Number(new URL(front.endpoint).port),
      awsHosts: awsHosts(REGION, BUCKET),
      caPem: certs.ca,
      timeoutMs: 150_000,
    })
    booted.set(i.role, {result, calls: front.calls.slice(from), credentials: c})
  } finally {
    await imds.close()
  }
}

let certs: {ca: string; key: string; cert: string}

beforeAll(async () => {
  certs = frontCertificates(dir, REGION)
  moto = await startEnforcedMoto(3)
  admin = await createUserWithPolicy(moto.endpoint, 'kforge-test-admin', ADMIN_POLICY)
  ctx = {endpoint: moto.endpoint, admin, region: REGION, cluster: NAME}
  ensureBridge() // the front listens on the bridge's host address
  front = await startIamRecorder(moto.endpoint, {
    host: BRIDGE_ADDRESS,
    tls: {key: certs.key, cert: certs.cert},
  })
  const s3 = new S3Client({region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: admin})
  await s3.send(new CreateBucketCommand({Bucket: BUCKET}))
  const cluster = publicSingleCluster(NAME, REGION)
  cluster.spec.mirror = await fillMirror(s3, BUCKET, requireAssets(), dir)
  const spec = join(dir, 'cluster.yaml')
  writeFileSync(spec, renderSpec(cluster))
  const created = await runKforge(['create', '-f', spec, '--yes'], {
    env: {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
      AWS_REGION: REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      KFORGE_STATE_STORE: STORE,
      KFORGE_POLL_MS: '50',
    },
  })
  expect(created.code, created.stderr).toBe(0)
  await widenKmsForMoto(ctx, 'control-plane')
  const all = await launchedInstances(ctx)
  const cp = all.find((i) => i.role === 'control-plane')!
  const node = all.find((i) => i.role === 'nodes')!
  await boot(cp, 0)
  await boot(node, 1)
}, 900_000)

afterAll(async () => {
  await front?.stop()
  await moto?.stop()
  // The directory holds the test CA's key and the nodes' logs.
  rmSync(dir, {recursive: true, force: true})
})

/** The steps the boot log reports done, in order. */
const done = (log: string) => [...log.matchAll(/kforge\[([\w-]+)\]: done/g)].map((m) => m[1]!)
const MIRROR = ['containerd', 'runc', 'kubelet', 'kubectl', 'cniPlugins', 'nodejs']
const INSTALL = [
  'hostname',
  'kernel',
  'containerd',
  'kubernetes',
  'nodejs',
  'agent',
  'assets',
  'kubeadm-config',
]
const AGENT = new RegExp(
  `^s3 GET /kforge/${NAME.replace(/\./g, '\\.')}/assets/node-agent/kforge-[0-9a-f]+\\.mjs$`,
)

/** GetObject as `who`: the object's first bytes' length, or the refusal's name. */
async function get(who: Credentials, key: string): Promise<'read' | string> {
  const s3 = new S3Client({region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: who})
  try {
    await (await s3.send(new GetObjectCommand({Bucket: BUCKET, Key: key}))).Body?.transformToByteArray()
    return 'read'
  } catch (err) {
    return (err as {name?: string}).name ?? String(err)
  }
}

async function storeKeys(): Promise<string[]> {
  const s3 = new S3Client({region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: admin})
  const out: string[] = []
  let token: string | undefined
  do {
    const page = await s3.send(new ListObjectsV2Command({Bucket: BUCKET, ContinuationToken: token}))
    out.push(...(page.Contents ?? []).map((c) => c.Key!))
    token = page.NextContinuationToken
  } while (token)
  return out
}

describe('each group boots under its own role, IAM enforced', () => {
  it('no AWS request of either boot was refused', () => {
    expect(front.refusals).toEqual([])
  })

  it('the control plane installs from the mirror, fetches the agent and opens its secrets under its own role', () => {
    const cp = booted.get('control-plane')!
    expect(done(cp.result.bootLog).slice(0, INSTALL.length), cp.result.bootLog).toEqual(INSTALL)
    const calls = cp.calls.map((c) => `${c.service} ${c.action}`)
    for (const m of MIRROR) expect(calls.some((c) => c.startsWith(`s3 GET /mirror/${m}/`))).toBe(true)
    expect(calls.filter((c) => AGENT.test(c))).toHaveLength(1)
    expect(calls).toContain('kms Decrypt')
    // The claim: no restore was asked for (absent: moto answers 404), then the init record is written.
    expect(calls).toContain(`s3 PUT /kforge/${NAME}/control-plane/init.json`)
    expect(done(cp.result.bootLog)).toContain('claim')
    expect(cp.calls.filter((c) => c.status >= 400)).toEqual([
      {service: 's3', action: `GET /kforge/${NAME}/control-plane/restore.json`, status: 404},
    ])
  })

  it('a node installs from the mirror, fetches the agent and looks up the control plane under the node role', () => {
    const node = booted.get('nodes')!
    expect(done(node.result.bootLog), node.result.bootLog).toEqual(INSTALL)
    // No control plane answers here: the join asks EC2 for the control-plane instances, then waits.
    expect(node.result.bootLog).toContain('kforge[join]: start')
    const calls = [...new Set(node.calls.map((c) => `${c.service} ${c.action}`))]
    const mirror = (c: string) => MIRROR.some((m) => c.startsWith(`s3 GET /mirror/${m}/`))
    expect(calls.filter((c) => !AGENT.test(c) && !mirror(c))).toEqual(['ec2 DescribeInstances'])
    for (const m of MIRROR) expect(calls.some((c) => c.startsWith(`s3 GET /mirror/${m}/`))).toBe(true)
    expect(calls.filter((c) => AGENT.test(c))).toHaveLength(1)
    expect(node.calls.filter((c) => c.status >= 400)).toEqual([])
    // Nothing sealed for nodes: their boot makes no KMS call.
    expect(calls.some((c) => c.startsWith('kms '))).toBe(false)
  })

  it('the node role reads the mirror, the agent and its own group’s configs, and nothing else in the store', async () => {
    const node = booted.get('nodes')!.credentials
    const keys = await storeKeys()
    const nodeReadable = (k: string) =>
      k.startsWith('mirror/') ||
      /\/assets\/node-agent\/kforge-[0-9a-f]+\.mjs$/.test(k) ||
      k.includes(`${NAME}/userdata/nodes/`)
    // The control plane's own objects are there to be refused: its init record, the spec, the PKI.
    expect(keys.filter((k) => !nodeReadable(k)).length).toBeGreaterThan(3)
    const seen: Record<string, string> = {}
    const expected: Record<string, string> = {}
    for (const k of keys) {
      seen[k] = await get(node, k)
      expected[k] = nodeReadable(k) ? 'read' : 'AccessDenied'
    }
    expect(seen).toEqual(expected)
  })

  it('neither role reads another cluster’s prefix; the node role cannot decrypt with the cluster key', async () => {
    const s3 = new S3Client({
      region: REGION,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: admin,
    })
    const other = ['config', 'assets/node-agent/kforge-0123456789abcdef.mjs', 'control-plane/init.json']
    for (const k of other) {
      await s3.send(
        new PutObjectCommand({Bucket: BUCKET, Key: `kforge/other.roles.example.com/${k}`, Body: 'x'}),
      )
    }
    for (const role of ['control-plane', 'nodes']) {
      for (const k of other) {
        expect(await get(booted.get(role)!.credentials, `kforge/other.roles.example.com/${k}`)).toBe(
          'AccessDenied',
        )
      }
    }
    const probe = await startIamRecorder(moto.endpoint)
    try {
      const kms = new KMSClient({
        region: REGION,
        endpoint: probe.endpoint,
        credentials: booted.get('nodes')!.credentials,
      })
      await kms
        .send(new DecryptCommand({CiphertextBlob: Buffer.from('not a real ciphertext')}))
        .catch(() => undefined)
      expect(probe.refusals.map((r) => r.service)).toEqual(['kms'])
      expect(probe.refusals[0]!.body).toContain('not authorized to perform: kms:Decrypt')
    } finally {
      await probe.stop()
    }
  })

  it('shims only what a namespace without systemd or kmod lacks', () => {
    for (const [role, b] of booted) {
      // The boot log and its AWS calls, for whoever reads the run.
      console.log(`== ${role} (exit ${b.result.code})\n${b.result.bootLog}\n-- AWS calls`)
      console.log(b.calls.map((c) => `${c.service} ${c.action} ${c.status}`).join('\n'))
      const shimmed = new Set(
        b.result.shimLog
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ')[0]!),
      )
      expect([...shimmed].sort()).toEqual(['hostnamectl', 'modprobe', 'systemctl'])
    }
  })
})
