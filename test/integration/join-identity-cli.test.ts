/**
 * Node identity through the built CLI, as instances run it: a control plane made by `kforge init`
 * on the Kubernetes API double, `kforge identity serve` as its own long-running process (its EC2
 * and Auto Scaling are moto's; STS is moto behind test/support/sts-presign.ts, which checks the
 * presigned signature as STS does), and `kforge join --node-identity` on a worker that holds only
 * its instance-role credentials (sts:AssumeRole with the instance id as session name, as EC2 hands
 * them out). A group member joins under its own private DNS name with a token it never saw before;
 * the ways it must fail are refused with messages that say why. `kforge identity install` writes
 * the unit that runs the service.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {parse} from 'yaml'
import {NODE_IDENTITY_GROUP} from '../../src/identity/tokens.js'
import {NODE_IDENTITY_UNIT_PATH} from '../../src/identity/unit.js'
import {repoRoot, runKforge, tempDir} from '../support/cli.js'
import {type Instance, identityCloud} from '../support/identity-cloud.js'
import {controlPlaneNode, FAST, type NodeFixture, waitUntil} from '../support/kube-api/fixture.js'
import {SimCluster, SimNode} from '../support/kube-api/index.js'
import {getFreePort} from '../support/kube-api/ports.js'
import {resourceByKind} from '../support/kube-api/registry.js'
import {type StsFront, startStsFront} from '../support/sts-presign.js'

const exec = promisify(execFile)
const REGION = 'eu-north-1'
const CLUSTER = 'cli-identity.example.com'

let cluster: SimCluster
let cp: NodeFixture
let pin: string
let front: StsFront
let serve: ChildProcess
let serveLog = ''
let identityPort: number
let nodesRole: string
let members: Instance[] = []
let stray: Instance
const workers: SimNode[] = []

const moto = () => inject('awsEndpoint')
const cloud = identityCloud(REGION, moto)

/** The environment EC2 gives an instance: its role's credentials, its session named after it. */
async function instanceEnv(instance: Instance): Promise<Record<string, string>> {
  const creds = await cloud.instanceCredentials(front, nodesRole, instance.id)
  return {
    ...FAST,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_SESSION_TOKEN: creds.sessionToken,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: moto(),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
}

/** A worker's root dir with a simulated kubelet and the assets manifest its boot writes. */
function worker(instance: Instance, ip: string): {root: string; manifest: string} {
  const root = tempDir('kforge-identity-worker-')
  const node = new SimNode(cluster, {rootDir: root, nodeName: instance.nodeName, nodeIP: ip})
  node.start()
  workers.push(node)
  const manifest = join(root, 'assets.json')
  writeFileSync(manifest, `${JSON.stringify({cluster: CLUSTER, region: REGION})}\n`)
  return {root, manifest}
}

const joinArgs = (w: {root: string; manifest: string}, nodeName: string, extra: string[] = []) => [
  'join',
  `${cp.ip}:${cp.port}`,
  '--node-identity',
  '--node-identity-manifest',
  w.manifest,
  '--node-identity-endpoint',
  `127.0.0.1:${identityPort}`,
  '--discovery-token-ca-cert-hash',
  pin,
  '--node-name',
  nodeName,
  '--root-dir',
  w.root,
  '--discovery-poll-interval',
  '200ms',
  ...extra,
]

beforeAll(async () => {
  // The control plane: `kforge init` on the API double.
  cluster = new SimCluster()
  cp = await controlPlaneNode(cluster, {name: 'cp-1', ip: '127.0.0.31'})
  const init = await cp.run(['init', '--config', cp.config])
  expect(init.code, init.stderr).toBe(0)
  pin = /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(init.stdout)![1]!

  // The cloud: the node role, one node group of two instances, and an instance in no group.
  nodesRole = await cloud.nodeRole(CLUSTER)
  members = await cloud.nodeGroup(CLUSTER, 2)
  stray = await cloud.strayInstance(CLUSTER)

  // The service, as its unit runs it on the control-plane node (with the emulator's endpoints).
  front = await startStsFront(moto())
  identityPort = await getFreePort('127.0.0.1')
  serve = spawn(
    process.execPath,
    [
      join(repoRoot, 'bin', 'run.js'),
      'identity',
      'serve',
      '--cluster',
      CLUSTER,
      '--region',
      REGION,
      '--root-dir',
      cp.root,
      '--address',
      '127.0.0.1',
      '--port',
      String(identityPort),
      '--endpoint',
      moto(),
      '--sts-endpoint',
      front.endpoint,
    ],
    {
      env: {
        ...process.env,
        NO_COLOR: '1',
        AWS_ACCESS_KEY_ID: 'AKIACONTROLPLANE',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  serve.stdout!.on('data', (c: Buffer) => {
    serveLog += c.toString()
  })
  serve.stderr!.on('data', (c: Buffer) => {
    serveLog += c.toString()
  })
  await waitUntil(
    () =>
      serveLog.includes(`serving cluster ${CLUSTER} on 127.0.0.1:${identityPort}`) || serve.exitCode !== null,
    60_000,
    'kforge identity serve to listen',
  )
  expect(serve.exitCode, serveLog).toBeNull()
}, 180_000)

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve.once('exit', r))
    serve.kill('SIGTERM')
    await exited
  }
  for (const w of workers) await w.stop()
  await cp?.node.stop()
  await cluster?.close()
  await front?.close()
})

describe('kforge join --node-identity against kforge identity serve', {timeout: 180_000}, () => {
  it('a group member joins under its private DNS name with a token the service issued to it', async () => {
    const a = members[0]!
    const w = worker(a, '127.0.0.32')
    const r = await runKforge(joinArgs(w, a.nodeName), {env: await instanceEnv(a)})
    expect(r.code, `${r.stderr}\n--- serve ---\n${serveLog}`).toBe(0)
    const conf = parse(readFileSync(join(w.root, 'etc/kubernetes/kubelet.conf'), 'utf8'))
    const pem = readFileSync(join(w.root, conf.users[0].user['client-certificate']), 'utf8')
    const cert = join(tempDir(), 'client.crt')
    writeFileSync(cert, pem.split('-----BEGIN PRIVATE KEY-----')[0]!)
    const subject = await exec('openssl', ['x509', '-noout', '-subject', '-in', cert])
    expect(subject.stdout).toMatch(new RegExp(`CN ?= ?system:node:${a.nodeName.replaceAll('.', '\\.')}`))
    expect(cluster.store.get(resourceByKind('Node'), undefined, a.nodeName)).toBeDefined()
    // The CSR came from the service's token group and was approved by the service's approver.
    const csr = cluster.store
      .list(resourceByKind('CertificateSigningRequest'))
      .find((c) => (c.spec.groups as string[] | undefined)?.includes(NODE_IDENTITY_GROUP))!
    expect(csr).toBeDefined()
    expect(csr.status.conditions[0]).toMatchObject({type: 'Approved'})
    // The service logged the instance and token id; no token secret reached either output.
    expect(serveLog).toMatch(new RegExp(`issued token [a-z0-9]{6} to instance ${a.id}`))
    const tokenId = new RegExp(`issued token ([a-z0-9]{6}) to instance ${a.id}`).exec(serveLog)![1]!
    expect(`${r.stdout}${r.stderr}${serveLog}`).not.toMatch(new RegExp(`${tokenId}\\.[a-z0-9]{16}`))
    expect(existsSync(join(w.root, 'etc/kubernetes/bootstrap-kubelet.conf'))).toBe(false)
  })

  it('refuses a second join of a node that registered already', async () => {
    const a = members[0]!
    const w = worker({...a, nodeName: `${a.nodeName}-again`}, '127.0.0.33')
    const r = await runKforge(joinArgs(w, a.nodeName), {env: await instanceEnv(a)})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`node-identity service 127.0.0.1:${identityPort} refused (HTTP 409)`)
    expect(r.stderr).toContain(
      `node ${a.nodeName} (instance ${a.id}) has joined already; delete its Node to join it again`,
    )
    expect(existsSync(join(w.root, 'etc/kubernetes/kubelet.conf'))).toBe(false)
  })

  it('refuses a join under another name than the instance’s own, before writing anything', async () => {
    const b = members[1]!
    const w = worker({...b, nodeName: 'chosen-name'}, '127.0.0.34')
    const r = await runKforge(joinArgs(w, 'chosen-name'), {env: await instanceEnv(b)})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      `the service bound the token to node ${b.nodeName} (this instance's private DNS name), but this join registers the node as chosen-name`,
    )
    expect(existsSync(join(w.root, 'etc/kubernetes/kubelet.conf'))).toBe(false)
  })

  it('refuses an instance that no auto-scaling group of the cluster launched', async () => {
    const w = worker(stray, '127.0.0.35')
    const r = await runKforge(joinArgs(w, stray.nodeName), {env: await instanceEnv(stray)})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/refused \(HTTP 403\): .*not launched by an auto-scaling group/)
    expect(serveLog).toContain(`refused`)
  })

  it('refuses a service whose certificate the pinned CA did not sign, and a join without a pin', async () => {
    const b = members[1]!
    const w = worker(b, '127.0.0.36')
    const wrongPin = joinArgs(w, b.nodeName).map((a) => (a === pin ? `sha256:${'0'.repeat(64)}` : a))
    const r = await runKforge(wrongPin, {env: await instanceEnv(b)})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`node-identity service 127.0.0.1:${identityPort} is not trusted`)
    const args = joinArgs(w, b.nodeName)
    const at = args.indexOf('--discovery-token-ca-cert-hash')
    args.splice(at, 2, '--discovery-token-unsafe-skip-ca-verification')
    const unpinned = await runKforge(args, {env: await instanceEnv(b)})
    expect(unpinned.code).not.toBe(0)
    expect(unpinned.stderr).toContain('--node-identity: a CA pin is required')
    expect(existsSync(join(w.root, 'etc/kubernetes/kubelet.conf'))).toBe(false)
  })
})

describe('kforge identity serve and install as commands', {timeout: 60_000}, () => {
  it('serve refuses a node without the cluster CA, and a token lifetime over a day', async () => {
    const empty = tempDir('kforge-identity-empty-')
    const noCa = await runKforge(
      ['identity', 'serve', '--cluster', CLUSTER, '--region', REGION, '--root-dir', empty, '--port', '0'],
      {env: {AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'}},
    )
    expect(noCa.code).not.toBe(0)
    expect(noCa.stderr).toContain(
      'node-identity: the cluster CA (etc/kubernetes/pki/ca.crt and ca.key) is not on this node',
    )
    const long = await runKforge([
      'identity',
      'serve',
      '--cluster',
      CLUSTER,
      '--region',
      REGION,
      '--token-ttl',
      '48h',
    ])
    expect(long.code).not.toBe(0)
    expect(long.stderr).toContain('--token-ttl: a positive duration of at most 24h')
    // Without --cluster, the assets manifest names it; a missing one is said so.
    const noManifest = await runKforge(['identity', 'serve', '--manifest', join(empty, 'assets.json')])
    expect(noManifest.code).not.toBe(0)
    expect(noManifest.stderr).toContain(`${join(empty, 'assets.json')}: not a kforge assets manifest`)
  })

  it('install writes the unit that runs `kforge identity serve`, restarted when it stops', async () => {
    const root = tempDir('kforge-identity-install-')
    const r = await runKforge(['identity', 'install', '--root-dir', root])
    expect(r.code, r.stderr).toBe(0)
    const unit = readFileSync(join(root, NODE_IDENTITY_UNIT_PATH), 'utf8')
    expect(unit).toContain('ExecStart=/usr/local/bin/kforge identity serve')
    expect(unit).toContain('Restart=always')
    expect(unit).toContain('WantedBy=multi-user.target')
    expect(statSync(join(root, NODE_IDENTITY_UNIT_PATH)).mode & 0o777).toBe(0o644)
    expect(`${r.stdout}${r.stderr}`).toContain(`wrote ${NODE_IDENTITY_UNIT_PATH}`)
  })
})
