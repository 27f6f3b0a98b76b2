/**
 * The node-identity service against the emulator's EC2, Auto Scaling, IAM and STS (moto; the
 * presigned signature is checked by test/support/sts-presign.ts, which moto cannot do) and the
 * Kubernetes API double: who gets a bootstrap token, who is refused, and that a token issued to one
 * instance cannot obtain another node's identity. Everything goes over the service's HTTPS port
 * with the node-side client, which trusts only the pinned cluster CA.
 */
import {X509Certificate} from 'node:crypto'
import {EC2Client, StopInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {computePin, PinSet} from '../../src/bootstrap/pin.js'
import {readTokenSecret, type SecretObject} from '../../src/bootstrap/secret.js'
import {parseToken} from '../../src/bootstrap/token.js'
import {AwsClients} from '../../src/cloud/aws/clients.js'
import {requestNodeToken} from '../../src/identity/client.js'
import {makeProof} from '../../src/identity/proof.js'
import {type RunningServer, servingCertificate, startNodeIdentityServer} from '../../src/identity/server.js'
import {NodeIdentityService} from '../../src/identity/service.js'
import {NODE_IDENTITY_GROUP, NODE_NAME_ANNOTATION} from '../../src/identity/tokens.js'
import {KubeClient} from '../../src/kube/client.js'
import {KUBELET_CLIENT_SIGNER, makeClientCsr, requestCertificate} from '../../src/kube/csr.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {bootstrapTokenRbac} from '../../src/kube/manifests/kubeadm-rbac.js'
import {nodeIdentityRbac} from '../../src/kube/manifests/node-identity-rbac.js'
import {Nodes} from '../../src/kube/resources.js'
import {parsePrivateKey} from '../../src/pki/keys.js'
import {Logger} from '../../src/util/logger.js'
import {emulatorEnv} from '../support/aws-env.js'
import {type Instance, identityCloud} from '../support/identity-cloud.js'
import {type KubeApi, startKubeApi} from '../support/kube-api/index.js'
import {resourceByKind} from '../support/kube-api/registry.js'
import {type StsFront, startStsFront} from '../support/sts-presign.js'

const REGION = 'ap-southeast-2'
const CLUSTER = 'identity.example.com'
const OTHER = 'other-identity.example.com'

let api: KubeApi
let front: StsFront
let kube: KubeClient
let server: RunningServer
let service: NodeIdentityService
let pins: PinSet
const lines: string[] = []
const endpoint = () => `127.0.0.1:${server.port}`
const moto = () => inject('awsEndpoint')
const base = () => ({
  region: REGION,
  endpoint: moto(),
  credentials: {accessKeyId: 'AKIAADMIN', secretAccessKey: 'x'},
})

const cloud = identityCloud(REGION, moto)
let inGroup: Instance[] = []
let outside: Instance
let otherCluster: Instance

let nodesRole: string
let otherRole: string

beforeAll(async () => {
  // the service's own AWS calls (EC2, Auto Scaling) run as the control plane would: any
  // credentials do for the unenforced emulator
  Object.assign(process.env, emulatorEnv(REGION))
  api = await startKubeApi()
  front = await startStsFront(moto())
  kube = new KubeClient(await loadKubeconfig(api.adminKubeconfig))
  // kubeadm's bootstrap RBAC as kforge init applies it, and the node-identity group's own
  for (const m of [...bootstrapTokenRbac(), ...nodeIdentityRbac()]) await kube.create(m.type, m.object)
  nodesRole = await cloud.nodeRole(CLUSTER)
  otherRole = await cloud.nodeRole(OTHER)
  inGroup = await cloud.nodeGroup(CLUSTER, 3)
  ;[otherCluster] = await cloud.nodeGroup(OTHER, 1)
  outside = await cloud.strayInstance(CLUSTER)

  const ca = {
    certPem: api.ca.certPem,
    cert: new X509Certificate(api.ca.certPem),
    key: parsePrivateKey(api.ca.keyPem, 'ca.key'),
  }
  pins = new PinSet([computePin(api.ca.certPem)])
  service = new NodeIdentityService({
    cluster: CLUSTER,
    region: REGION,
    aws: new AwsClients({region: REGION, endpoint: moto()}),
    kube,
    logger: new Logger('info', (l) => lines.push(l)),
    sts: {endpoint: front.endpoint},
  })
  const cert = await servingCertificate(ca, {dnsNames: [], ips: ['127.0.0.1']})
  server = await startNodeIdentityServer(service, {
    certPem: cert.chainPem,
    keyPem: cert.keyPem,
    host: '127.0.0.1',
    port: 0,
    onError: (err) => lines.push(`ERROR ${err.stack}`),
  })
}, 120_000)

afterAll(async () => {
  await server?.close()
  await front?.close()
  kube?.close()
  await api?.close()
})

const proofFor = async (i: Instance, o: {cluster?: string; role?: string; now?: Date} = {}) =>
  makeProof({
    cluster: o.cluster ?? CLUSTER,
    region: REGION,
    credentials: await cloud.instanceCredentials(front, o.role ?? nodesRole, i.id),
    ...(o.now ? {now: o.now} : {}),
  })

describe('node-identity service', {timeout: 120_000}, () => {
  it('gives an instance of the cluster auto-scaling group a one-hour token bound to its private DNS name', async () => {
    const a = inGroup[0]!
    const answer = await requestNodeToken(endpoint(), await proofFor(a), pins).catch((err) => {
      throw new Error(`${err.message}\n${lines.join('\n')}`)
    })
    expect(answer.nodeName).toBe(a.nodeName)
    expect(answer.nodeName).toMatch(/^ip-[0-9-]+\./)
    const token = parseToken(answer.token)
    const secret = api.cluster.store.get(
      resourceByKind('Secret'),
      'kube-system',
      `bootstrap-token-${token.id}`,
    )!
    const contents = readTokenSecret(secret as SecretObject)
    expect(contents.secret).toBe(token.secret)
    expect(contents.groups).toEqual([NODE_IDENTITY_GROUP])
    expect(contents.description).toContain(a.id)
    expect((secret.metadata as {annotations: Record<string, string>}).annotations[NODE_NAME_ANNOTATION]).toBe(
      a.nodeName,
    )
    const ttl = (contents.expiration as Date).getTime() - Date.now()
    expect(ttl).toBeGreaterThan(55 * 60_000)
    expect(ttl).toBeLessThanOrEqual(60 * 60_000)
    // the log names the instance and the token id, never the secret half
    expect(lines.join('\n')).toContain(`issued token ${token.id} to instance ${a.id}`)
    expect(lines.join('\n')).not.toContain(token.secret)
  })

  it('refuses a replayed proof, on this control-plane node and on another', async () => {
    const b = inGroup[1]!
    const proof = await proofFor(b)
    await requestNodeToken(endpoint(), proof, pins)
    await expect(requestNodeToken(endpoint(), proof, pins)).rejects.toThrow(/HTTP 403.*replay/)
    // a second control-plane node has its own memory; the token id derived from the proof collides
    const second = new NodeIdentityService({
      cluster: CLUSTER,
      region: REGION,
      aws: new AwsClients({region: REGION, endpoint: moto()}),
      kube,
      logger: new Logger('error', () => {}),
      sts: {endpoint: front.endpoint},
    })
    await expect(second.issue(proof)).rejects.toThrow(/replay/)
  })

  it('refuses an instance outside the cluster groups, a stopped one, and another cluster member', async () => {
    await expect(requestNodeToken(endpoint(), await proofFor(outside), pins)).rejects.toThrow(
      /HTTP 403.*not launched by an auto-scaling group/,
    )
    // the other cluster's instance signs with its own role and for our cluster's name
    await expect(
      requestNodeToken(endpoint(), await proofFor(otherCluster!, {role: otherRole}), pins),
    ).rejects.toThrow(/HTTP 403.*is not an instance role of cluster identity\.example\.com/)
    // ... or somehow holds our node role: its instance is still not ours
    await expect(requestNodeToken(endpoint(), await proofFor(otherCluster!), pins)).rejects.toThrow(
      /HTTP 403.*not tagged as a member of cluster identity\.example\.com/,
    )
    const c = inGroup[2]!
    await new EC2Client(base()).send(new StopInstancesCommand({InstanceIds: [c.id]}))
    await expect(requestNodeToken(endpoint(), await proofFor(c), pins)).rejects.toThrow(
      /HTTP 403.*is stopp(ed|ing), not running/,
    )
  })

  it('refuses an expired proof, and a proof made for another cluster even with the name changed after signing', async () => {
    const a = inGroup[0]!
    const old = await proofFor(a, {now: new Date(Date.now() - 20 * 60_000)})
    await expect(requestNodeToken(endpoint(), old, pins)).rejects.toThrow(/HTTP 403.*expired/)
    const foreign = await proofFor(a, {cluster: OTHER})
    await expect(requestNodeToken(endpoint(), foreign, pins)).rejects.toThrow(/HTTP 403.*another cluster/)
    // rewrite the cluster header: the shape passes, STS's signature check does not
    const refusedBefore = front.calls.refused
    const forged = {...foreign, headers: {'x-kforge-cluster': CLUSTER}}
    await expect(requestNodeToken(endpoint(), forged, pins)).rejects.toThrow(
      /HTTP 403.*SignatureDoesNotMatch/,
    )
    expect(front.calls.refused).toBe(refusedBefore + 1)
  })

  it('approves a certificate only for the node name the token was issued to', async () => {
    const [a, d] = await nodeGroupMembers()
    const answer = await requestNodeToken(endpoint(), await proofFor(a), pins)
    const asNode = new KubeClient({server: api.url, ca: Buffer.from(api.ca.certPem), token: answer.token})
    const ask = async (name: string) => {
      const {csrPem} = await makeClientCsr(`system:node:${name}`, ['system:nodes'])
      const pending = requestCertificate(asNode, csrPem, {
        signerName: KUBELET_CLIENT_SIGNER,
        usages: ['digital signature', 'client auth'],
        intervalMs: 50,
        timeoutMs: 20_000,
      })
      const ticking = setInterval(() => void service.tick().catch(() => {}), 100)
      try {
        return await pending
      } finally {
        clearInterval(ticking)
      }
    }
    await expect(ask(d.nodeName)).rejects.toThrow(/denied.*issued for node/i)
    const issued = await ask(a.nodeName)
    expect(new X509Certificate(issued.certPem).subject).toContain(`CN=system:node:${a.nodeName}`)
    asNode.close()

    // once the node has registered, the token is deleted (it is of no more use)
    await kube.create(Nodes, {metadata: {name: a.nodeName}})
    await service.tick()
    const id = parseToken(answer.token).id
    expect(
      api.cluster.store.get(resourceByKind('Secret'), 'kube-system', `bootstrap-token-${id}`),
    ).toBeUndefined()
    // and the instance cannot get a second token now that its node exists
    await expect(requestNodeToken(endpoint(), await proofFor(a), pins)).rejects.toThrow(
      /HTTP 409.*joined already/,
    )
  })

  it('deletes expired tokens it issued', async () => {
    const [, d] = await nodeGroupMembers()
    const answer = await requestNodeToken(endpoint(), await proofFor(d), pins)
    const id = parseToken(answer.token).id
    const later = new NodeIdentityService({
      cluster: CLUSTER,
      region: REGION,
      aws: new AwsClients({region: REGION, endpoint: moto()}),
      kube,
      logger: new Logger('error', () => {}),
      now: () => new Date(Date.now() + 61 * 60_000),
    })
    await later.tick()
    expect(
      api.cluster.store.get(resourceByKind('Secret'), 'kube-system', `bootstrap-token-${id}`),
    ).toBeUndefined()
  })

  it('is trusted by the node only with the pinned CA', async () => {
    const wrong = new PinSet([`sha256:${'0'.repeat(64)}`])
    await expect(requestNodeToken(endpoint(), await proofFor(inGroup[0]!), wrong)).rejects.toThrow(
      /not trusted: CA pin check failed/,
    )
  })
})

/** Two running members of the cluster group (the third was stopped above). */
async function nodeGroupMembers(): Promise<[Instance, Instance]> {
  return [inGroup[0]!, inGroup[1]!]
}
