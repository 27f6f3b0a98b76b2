/**
 * kforge's instances boot as they would on AWS and make a working cluster, with IAM enforced:
 * kforge creates the cluster in the enforcing emulator; each instance the emulator launched from
 * kforge's launch templates then boots as an emulated instance (src/sandbox/nodes/instance.ts):
 * Debian's cloud-init executes its user-data byte for byte, under the credentials of its group's
 * role (served by its IMDSv2 stand-in), with its etcd volume attached by the EBS stand-in and the
 * API reached through the load balancer's stand-in. The control plane inits, the workers join
 * through the node-identity service, and every node turns Ready.
 *
 * Then the first control-plane instance is replaced the way an auto-scaling health replacement
 * does it: terminated, and its replacement boots from the same user-data on a blank root disk.
 * The init record in the state store sends it to `init --resume` with the etcd volume the old one
 * left, and every object written before is still there.
 *
 * Like every real test it needs root and runs alone: it uses the local nodes' bridge.
 */
import {readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {AutoScalingClient, TerminateInstanceInAutoScalingGroupCommand} from '@aws-sdk/client-auto-scaling'
import {EC2Client} from '@aws-sdk/client-ec2'
import {DecryptCommand, KMSClient} from '@aws-sdk/client-kms'
import {CreateHostedZoneCommand, Route53Client} from '@aws-sdk/client-route-53'
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {
  kubectl,
  setLbTargets,
  startLb,
  stopLb,
  waitFor,
  writeHostKubeconfig,
} from '../../src/sandbox/nodes/cluster.js'
import {type EbsStandIn, startEbs} from '../../src/sandbox/nodes/ebs.js'
import {
  type Instance,
  instancePath,
  powerOnInstance,
  terminateInstance,
} from '../../src/sandbox/nodes/instance.js'
import {
  BRIDGE_ADDRESS,
  ensureBridge,
  ensureGateway,
  removeBridgeIfUnused,
  removeGateway,
} from '../../src/sandbox/nodes/network.js'
import {runInNode} from '../../src/sandbox/nodes/node.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {runKforge, tempDir} from '../support/cli.js'
import {type IamRecorder, startIamRecorder} from '../support/iam-recorder.js'
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
import {type StsFront, startStsFront} from '../support/sts-presign.js'
import {requireAssets} from './support.js'

const REGION = 'us-east-1'
const BUCKET = 'kforge-instances'
const STORE = `s3://${BUCKET}/kforge`
const NAME = 'instances.example.com'
const dir = tempDir('kforge-instances-')
const assets = requireAssets()

let moto: EnforcedMoto
let front: IamRecorder
let stsFront: StsFront
let ctx: CloudContext
let ebs: EbsStandIn
let apiName = ''
let gateway = ''
const kubeconfig = join(dir, 'admin.kubeconfig')
const running = new Map<string, Instance>()
const imdsOf = new Map<string, ImdsStandIn>()
const launched = new Map<string, LaunchedInstance>()
/** The role credentials each instance was given: what its AWS calls were signed with. */
const credentialsOf = new Map<string, Credentials>()
let certs: {ca: string; key: string; cert: string}
let slot = 0

/** kforge on the operator's machine, as the admin user. */
function asAdmin(args: string[]): ReturnType<typeof runKforge> {
  return runKforge(args, {
    env: {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: ctx.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ctx.admin.secretAccessKey,
      AWS_REGION: REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      KFORGE_STATE_STORE: STORE,
      KFORGE_POLL_MS: '50',
    },
  })
}

/** The control-plane instance the emulator launched in place of the ones already booted. */
async function replacementControlPlane(): Promise<LaunchedInstance> {
  return waitFor('the replacement instance', 60_000, async () =>
    (await launchedInstances(ctx)).find((i) => i.role === 'control-plane' && !launched.has(i.id)),
  )
}

/** Whether the ConfigMap exists, read through the API load balancer. */
async function configMapExists(name: string): Promise<boolean> {
  const out = await kubectl({kubeconfig, assets}, [
    'get',
    'configmap',
    name,
    '--ignore-not-found',
    '-o',
    'name',
  ])
  return out.trim() !== ''
}

const log = (line: string) => process.stderr.write(`[instances] ${line}\n`)

/** An instance EC2 launched, powered on: its IMDS stand-in with its role's credentials, then its boot. */
async function boot(i: LaunchedInstance): Promise<Instance> {
  const credentials = await roleCredentials(ctx, i.role, i.id)
  stsFront.register(credentials)
  credentialsOf.set(i.id, credentials)
  const imds = await startImds(imdsPaths(ctx, i, credentials), BRIDGE_ADDRESS)
  imdsOf.set(i.id, imds)
  const [network, bits] = i.subnetCidr.split('/') as [string, string]
  gateway = `${network.replace(/\.\d+$/, (last) => `.${Number(last.slice(1)) + 1}`)}/${bits}`
  ensureGateway(gateway)
  const node = await powerOnInstance({
    name: `i${slot++}`,
    dir: join(dir, 'instances', i.id),
    instanceId: i.id,
    address: i.privateIp,
    prefix: Number(bits),
    gateway: gateway.split('/')[0]!,
    userData: i.userData,
    imdsPort: Number(new URL(imds.url).port),
    bridgeHosts: [...awsHosts(REGION, BUCKET), apiName],
    awsPort: Number(new URL(front.endpoint).port),
    caPem: certs.ca,
    imagesTar: assets.images,
    cgroupParent: `/kforge-local/instances/${i.id}`,
  })
  running.set(i.id, node)
  launched.set(i.id, i)
  log(`${i.id} (${i.group}, ${i.privateIp}) powered on`)
  return node
}

/** Waits for the instance's cloud-init to finish its boot; fails with the end of its boot log if the boot failed. */
async function bootFinished(node: Instance, timeoutMs: number): Promise<string> {
  const bootLog = () => {
    try {
      return readFileSync(instancePath(node, '/var/log/kforge-bootstrap.log'), 'utf8')
    } catch {
      return ''
    }
  }
  const text = await waitFor(`${node.instanceId}: its boot`, timeoutMs, async () => {
    const t = bootLog()
    return /FAILED \(exit \d+\)|kforge\[end\]: .* complete/.test(t) ? t : undefined
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- boot log ---\n${bootLog().slice(-4000)}`)
  })
  if (/FAILED \(exit \d+\)/.test(text))
    throw new Error(`${node.instanceId}'s boot failed:\n${text.slice(-4000)}`)
  return text
}

interface NodeList {
  items: {
    metadata: {name: string}
    status: {conditions?: {type: string; status: string}[]}
  }[]
}

async function readyNodes(): Promise<string[]> {
  const nodes = JSON.parse(await kubectl({kubeconfig, assets}, ['get', 'nodes', '-o', 'json'])) as NodeList
  return nodes.items
    .filter((n) => n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata.name)
    .sort()
}

let firstBootLog = ''
let controlPlane: Instance

beforeAll(async () => {
  certs = frontCertificates(dir, REGION)
  moto = await startEnforcedMoto(3)
  const admin = await createUserWithPolicy(moto.endpoint, 'kforge-test-admin', ADMIN_POLICY)
  ctx = {endpoint: moto.endpoint, admin, region: REGION, cluster: NAME}
  ensureBridge()
  stsFront = await startStsFront(moto.endpoint)
  front = await startIamRecorder(moto.endpoint, {
    host: BRIDGE_ADDRESS,
    tls: {key: certs.key, cert: certs.cert},
    presignedTo: stsFront.endpoint,
  })
  const s3 = new S3Client({region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: admin})
  await s3.send(new CreateBucketCommand({Bucket: BUCKET}))
  const cluster = publicSingleCluster(NAME, REGION, {
    nodeCount: 1,
    kubernetesVersion: assets.versions.kubernetes,
  })
  cluster.spec.mirror = await fillMirror(s3, BUCKET, assets, dir)
  // The images every node has are the kube assets' (no registry is reachable): kforge's own pod
  // network, and no AWS add-on (no AWS API answers the pods).
  cluster.spec.networking.cni = 'hostgw'
  cluster.spec.addons.cloudControllerManager.enabled = false
  cluster.spec.addons.ebsCSI = {...cluster.spec.addons.ebsCSI, enabled: false, defaultStorageClass: false}
  cluster.spec.etcd.volumeSize = 2
  // The API's name is a Route53 record kforge makes (with spec.dns.type none, nothing kforge makes
  // would resolve it); the image's /etc/hosts stands in for the VPC resolver's answer.
  cluster.spec.dns = {zone: 'example.com', type: 'public'}
  await new Route53Client({region: REGION, endpoint: moto.endpoint, credentials: admin}).send(
    new CreateHostedZoneCommand({Name: 'example.com', CallerReference: 'kforge-instances-test'}),
  )
  const spec = join(dir, 'cluster.yaml')
  writeFileSync(spec, renderSpec(cluster))
  const created = await asAdmin(['create', '-f', spec, '--yes'])
  expect(created.code, created.stderr).toBe(0)
  await widenKmsForMoto(ctx, 'control-plane')
  apiName = cluster.spec.api.dnsName
  await startLb(dir)
  ebs = startEbs({
    ec2: new EC2Client({region: REGION, endpoint: moto.endpoint, credentials: admin}),
    dir: join(dir, 'volumes'),
    instances: () => running,
    log,
  })

  const all = await launchedInstances(ctx)
  const cp = all.find((i) => i.role === 'control-plane')!
  controlPlane = await boot(cp)
  setLbTargets(dir, [{address: cp.privateIp}])
  const workers = await Promise.all(all.filter((i) => i.role === 'nodes').map((i) => boot(i)))
  firstBootLog = await bootFinished(controlPlane, 600_000)
  writeHostKubeconfig(
    readFileSync(instancePath(controlPlane, '/etc/kubernetes/admin.conf'), 'utf8'),
    apiName,
    kubeconfig,
  )
  await Promise.all(workers.map((w) => bootFinished(w, 300_000)))
  await waitFor('every node Ready', 300_000, async () =>
    (await readyNodes()).length === all.length ? true : undefined,
  )
}, 1_500_000)

afterAll(async () => {
  for (const node of running.values()) await terminateInstance(node)
  await ebs?.stop()
  for (const imds of imdsOf.values()) await imds.close()
  stopLb(dir)
  await front?.stop()
  await stsFront?.close()
  await moto?.stop()
  if (gateway) removeGateway(gateway)
  removeBridgeIfUnused()
  // The directory holds the test CA's key, the instances' roots and their volumes.
  rmSync(dir, {recursive: true, force: true})
}, 120_000)

describe('instances boot from their own user-data under their own roles', () => {
  it('every instance the emulator launched joined, named by its EC2 private DNS name, and is Ready', async () => {
    const names = [...launched.values()].map((i) => i.privateDns).sort()
    expect(await readyNodes()).toEqual(names)
  })

  it('no AWS request of any boot was refused', () => {
    expect(front.refusals).toEqual([])
  })

  it('the control plane inited once, on its own etcd volume, and its boot log is root-only with no token in it', () => {
    expect(firstBootLog).toContain('kforge[init]: done')
    expect(firstBootLog).toContain('kforge[init-recorded]: done')
    expect(ebs.attached.get([...ebs.attached.keys()][0]!)).toBe(controlPlane.instanceId)
    for (const node of running.values()) {
      const file = instancePath(node, '/var/log/kforge-bootstrap.log')
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const text =
        readFileSync(file, 'utf8') +
        readFileSync(instancePath(node, '/var/log/cloud-init-output.log'), 'utf8')
      expect(text).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/)
    }
  })

  it('shims only what a namespace without systemd or kmod lacks', () => {
    for (const node of running.values()) {
      const shims = new Set(
        readFileSync(instancePath(node, '/var/log/kforge-shims.log'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ')[0]!),
      )
      expect([...shims].sort()).toEqual(['hostnamectl', 'modprobe', 'systemctl'])
    }
  })
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

function instanceOf(role: LaunchedInstance['role']): LaunchedInstance {
  return [...launched.values()].find((i) => i.role === role)!
}

/** The AWS calls signed with an instance's role credentials, as `service action` (with their status). */
function callsOf(i: LaunchedInstance): {call: string; status: number}[] {
  const key = credentialsOf.get(i.id)!.accessKeyId
  return front.calls
    .filter((c) => c.accessKeyId === key)
    .map((c) => ({call: `${c.service} ${c.action}`, status: c.status}))
}

/** GetObject as `who`: 'read', or the refusal's name. */
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
  const s3 = new S3Client({
    region: REGION,
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: ctx.admin,
  })
  const out: string[] = []
  let token: string | undefined
  do {
    const page = await s3.send(new ListObjectsV2Command({Bucket: BUCKET, ContinuationToken: token}))
    out.push(...(page.Contents ?? []).map((c) => c.Key!))
    token = page.NextContinuationToken
  } while (token)
  return out
}

describe('each role does its part of the boot, and no more', () => {
  it('the control plane installs from the mirror, fetches the agent once and opens its secrets under its own role', () => {
    const calls = callsOf(instanceOf('control-plane')).map((c) => c.call)
    expect(done(firstBootLog).slice(0, INSTALL.length), firstBootLog).toEqual(INSTALL)
    for (const m of MIRROR) expect(calls.some((c) => c.startsWith(`s3 GET /mirror/${m}/`))).toBe(true)
    expect(calls.filter((c) => AGENT.test(c))).toHaveLength(1)
    expect(calls).toContain('kms Decrypt')
    // the claim: no restore was asked for, then the init record is written
    expect(calls).toContain(`s3 GET /kforge/${NAME}/control-plane/restore.json`)
    expect(calls).toContain(`s3 PUT /kforge/${NAME}/control-plane/init.json`)
    // its member's volume, attached under its own role
    expect(calls).toContain('ec2 AttachVolume')
  })

  it('a worker installs from the mirror and proves its identity; it never calls KMS', () => {
    const worker = instanceOf('nodes')
    const calls = callsOf(worker)
    const mirror = (c: string) => MIRROR.some((m) => c.startsWith(`s3 GET /mirror/${m}/`))
    for (const m of MIRROR) expect(calls.some((c) => c.call.startsWith(`s3 GET /mirror/${m}/`))).toBe(true)
    expect(calls.filter((c) => AGENT.test(c.call))).toHaveLength(1)
    // Besides its software: it looks up the control plane, and its identity proof (signed by it,
    // sent to STS by the control plane's node-identity service) is checked once.
    expect([...new Set(calls.map((c) => c.call).filter((c) => !AGENT.test(c) && !mirror(c)))].sort()).toEqual(
      ['ec2 DescribeInstances', 'sts GetCallerIdentity'],
    )
    expect(calls.filter((c) => c.status >= 400)).toEqual([])
  })

  it('the node role reads the mirror, the agent and its own group’s configs, and nothing else in the store', async () => {
    const node = credentialsOf.get(instanceOf('nodes').id)!
    const keys = await storeKeys()
    const nodeReadable = (k: string) =>
      k.startsWith('mirror/') ||
      /\/assets\/node-agent\/kforge-[0-9a-f]+\.mjs$/.test(k) ||
      k.includes(`${NAME}/userdata/nodes/`)
    // the control plane's own objects are there to be refused: its init record, the spec, the PKI
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
      credentials: ctx.admin,
    })
    const other = ['config', 'assets/node-agent/kforge-0123456789abcdef.mjs', 'control-plane/init.json']
    for (const k of other) {
      await s3.send(
        new PutObjectCommand({Bucket: BUCKET, Key: `kforge/other.roles.example.com/${k}`, Body: 'x'}),
      )
    }
    for (const role of ['control-plane', 'nodes'] as const) {
      for (const k of other) {
        expect(
          await get(credentialsOf.get(instanceOf(role).id)!, `kforge/other.roles.example.com/${k}`),
        ).toBe('AccessDenied')
      }
    }
    const probe = await startIamRecorder(moto.endpoint)
    try {
      const kms = new KMSClient({
        region: REGION,
        endpoint: probe.endpoint,
        credentials: credentialsOf.get(instanceOf('nodes').id)!,
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
})

describe('replacing the first control-plane instance', () => {
  it('its replacement boots from the same user-data, resumes the member on its volume, and loses no object', async () => {
    await kubectl({kubeconfig, assets}, ['create', 'configmap', 'kept', '--from-literal=written=before'])
    const old = controlPlane
    const asg = new AutoScalingClient({region: REGION, endpoint: moto.endpoint, credentials: ctx.admin})
    await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: old.instanceId,
        ShouldDecrementDesiredCapacity: false,
      }),
    )
    await terminateInstance(old)
    running.delete(old.instanceId)
    const replacement = await replacementControlPlane()
    controlPlane = await boot(replacement)
    setLbTargets(dir, [{address: replacement.privateIp}])
    const bootLog = await bootFinished(controlPlane, 600_000)
    // the state store's init record, not the group's name, decides: resume the member on the volume
    expect(bootLog).toContain(`resuming: cluster ${NAME} was initialised by ${old.instanceId}`)
    expect(bootLog).toMatch(
      /\[etcd\] resuming etcd member \d+ of cluster \d+ from its data in \/var\/lib\/etcd/,
    )
    expect(bootLog).not.toContain('kforge[join]')
    expect(ebs.attached.get([...ebs.attached.keys()][0]!)).toBe(replacement.id)
    const kept = JSON.parse(
      await waitFor('the API through the replacement', 300_000, () =>
        kubectl({kubeconfig, assets}, ['get', 'configmap', 'kept', '-o', 'json']),
      ),
    ) as {data: Record<string, string>}
    expect(kept.data).toEqual({written: 'before'})
    await waitFor('the replacement Ready', 300_000, async () =>
      (await readyNodes()).includes(replacement.privateDns) ? true : undefined,
    )
  }, 1_200_000)
})

describe('losing the whole control plane', () => {
  it('the node takes a backup with its own unit; restore cluster brings the cluster back to it', async () => {
    await kubectl({kubeconfig, assets}, ['create', 'configmap', 'before-backup', '--from-literal=k=v'])
    // what the backup timer starts, run now on the control-plane instance under its own role
    const backup = await runInNode(controlPlane, [
      '/usr/local/sbin/systemctl',
      'start',
      'kforge-etcd-backup.service',
    ])
    expect(
      backup.code,
      readFileSync(instancePath(controlPlane, '/var/log/kforge-node/kforge-etcd-backup.log'), 'utf8'),
    ).toBe(0)
    const listed = await asAdmin(['get', 'backups', NAME, '-o', 'json'])
    expect(listed.code, listed.stderr).toBe(0)
    const backups = JSON.parse(listed.stdout) as {id: string}[]
    expect(backups).toHaveLength(1)
    await kubectl({kubeconfig, assets}, ['create', 'configmap', 'after-backup', '--from-literal=k=v'])

    const restored = await asAdmin(['restore', 'cluster', NAME, '--from', backups[0]!.id, '--yes'])
    expect(restored.code, restored.stderr).toBe(0)
    // restore cluster terminated the control-plane instance: it goes, its root disk with it
    await terminateInstance(controlPlane)
    running.delete(controlPlane.instanceId)
    const replacement = await replacementControlPlane()
    controlPlane = await boot(replacement)
    setLbTargets(dir, [{address: replacement.privateIp}])
    const bootLog = await bootFinished(controlPlane, 600_000)
    expect(bootLog).toContain(`restoring ${NAME} from backup ${backups[0]!.id}`)
    await waitFor(
      'the restored API',
      300_000,
      async () => (await configMapExists('before-backup')) || undefined,
    )
    expect(await configMapExists('kept')).toBe(true)
    expect(await configMapExists('after-backup')).toBe(false)
    await waitFor('the restored control plane and the worker Ready', 300_000, async () => {
      const ready = await readyNodes()
      return ready.includes(replacement.privateDns) && ready.includes(instanceOf('nodes').privateDns)
        ? true
        : undefined
    })
  }, 1_200_000)
})
