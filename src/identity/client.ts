/**
 * The joining node's side of node identity: make a proof with the instance role, find the
 * control-plane nodes, and ask their node-identity service for a bootstrap token over TLS whose
 * chain must end in the pinned cluster CA (the node trusts nothing else: not the system roots,
 * not an unpinned CA). Then `kforge join` carries on with token discovery and TLS bootstrap.
 */
import {X509Certificate} from 'node:crypto'
import {isIP} from 'node:net'
import {connect, type TLSSocket} from 'node:tls'
import type {PinSet} from '../bootstrap/pin.js'
import {type AwsClients, clientConfig} from '../cloud/aws/clients.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {type AwsCredentials, type IdentityProof, makeProof} from './proof.js'
import {NODE_IDENTITY_PORT, NODE_TOKEN_PATH} from './server.js'
import type {NodeTokenAnswer} from './service.js'

/** The instance role's credentials, through the SDK's default chain (IMDSv2 on an instance). */
export async function instanceCredentials(aws: AwsClients): Promise<AwsCredentials> {
  const {STSClient} = await import('@aws-sdk/client-sts')
  const sts = new STSClient(clientConfig(aws.options))
  try {
    const c = await sts.config.credentials()
    return {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? {sessionToken: c.sessionToken} : {}),
    }
  } finally {
    sts.destroy()
  }
}

/** The running control-plane instances of the cluster, by private IP (the node role may describe instances). */
export async function controlPlaneAddresses(aws: AwsClients, cluster: string): Promise<string[]> {
  const {DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
  const out = await (await aws.ec2()).send(
    new DescribeInstancesCommand({
      Filters: [
        {Name: 'tag:KubernetesCluster', Values: [cluster]},
        {Name: 'tag-key', Values: ['k8s.io/role/control-plane']},
        {Name: 'instance-state-name', Values: ['running']},
      ],
    }),
  )
  const ips = (out.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .map((i) => i.PrivateIpAddress)
    .filter((ip): ip is string => Boolean(ip))
  return [...new Set(ips)].sort().map((ip) => `${ip}:${NODE_IDENTITY_PORT}`)
}

function splitHostPort(endpoint: string): {host: string; port: number} {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(endpoint)
  if (!m) return {host: endpoint, port: NODE_IDENTITY_PORT}
  return {host: m[1]!, port: Number(m[2])}
}

/** Open TLS to the service and accept it only if its chain ends in a pinned CA that signed its certificate for this address. */
async function pinnedSocket(host: string, port: number, pins: PinSet, timeoutMs: number): Promise<TLSSocket> {
  const socket = connect({host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : {servername: host})})
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timed out')))
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve())
    socket.once('error', reject)
  })
  const peer = socket.getPeerCertificate(true)
  const leafDer = peer.raw
  const caDer = peer.issuerCertificate?.raw
  try {
    if (!leafDer || !caDer || peer.issuerCertificate === peer)
      throw new Error('it presented no CA certificate')
    pins.checkAny([caDer])
    const leaf = new X509Certificate(leafDer)
    const ca = new X509Certificate(caDer)
    if (!leaf.verify(ca.publicKey)) throw new Error('its certificate is not signed by the pinned CA')
    const now = Date.now()
    if (now < Date.parse(leaf.validFrom) || now > Date.parse(leaf.validTo))
      throw new Error('its certificate is not valid now')
    const nameOk = isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host) !== undefined
    if (!nameOk) throw new Error(`its certificate does not name ${host}`)
  } catch (err) {
    socket.destroy()
    throw new KforgeError(`node-identity service ${host}:${port} is not trusted: ${(err as Error).message}`)
  }
  return socket
}

async function post(socket: TLSSocket, host: string, body: string): Promise<{status: number; text: string}> {
  // plain http over the already verified TLS socket: no agent, so createConnection is used
  const {request} = await import('node:http')
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: 'POST',
        host,
        path: NODE_TOKEN_PATH,
        headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)},
        createConnection: () => socket,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')}),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Send one proof to one service address. Refusals throw with the service's reason. */
export async function requestNodeToken(
  endpoint: string,
  proof: IdentityProof,
  pins: PinSet,
  timeoutMs = 15_000,
): Promise<NodeTokenAnswer> {
  const {host, port} = splitHostPort(endpoint)
  const socket = await pinnedSocket(host, port, pins, timeoutMs)
  const {status, text} = await post(socket, host, JSON.stringify(proof))
  let body: {error?: string} & Partial<NodeTokenAnswer>
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    throw new KforgeError(`node-identity service ${endpoint} answered HTTP ${status} with no JSON`)
  }
  if (status !== 200 || !body.token || !body.nodeName || !body.expires) {
    throw new KforgeError(
      `node-identity service ${endpoint} refused (HTTP ${status}): ${body.error ?? 'no reason given'}`,
    )
  }
  return {token: body.token, nodeName: body.nodeName, expires: body.expires}
}

export interface FetchNodeTokenOptions {
  cluster: string
  region: string
  aws: AwsClients
  pins: PinSet
  /** Default: the cluster's running control-plane instances, found through EC2. */
  endpoints?: string[]
  logger: Logger
  /** Until a service answers (the first control plane may still be initialising). Default 10 min. */
  timeoutMs?: number
  intervalMs?: number
}

/**
 * A fresh proof per attempt (each is single use), tried against each control-plane address until
 * one issues a token. A refusal that will not change (403/409) stops at once; an unreachable or
 * not-yet-ready service is retried until the deadline.
 */
export async function fetchNodeToken(o: FetchNodeTokenOptions): Promise<NodeTokenAnswer> {
  const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000)
  let last = 'no control-plane instance found yet'
  for (;;) {
    const endpoints = o.endpoints ?? (await controlPlaneAddresses(o.aws, o.cluster))
    for (const endpoint of endpoints) {
      const proof = await makeProof({
        cluster: o.cluster,
        region: o.region,
        credentials: await instanceCredentials(o.aws),
      })
      try {
        const answer = await requestNodeToken(endpoint, proof, o.pins)
        o.logger.info(
          `[node-identity] ${endpoint} issued a bootstrap token for node ${answer.nodeName} (expires ${answer.expires})`,
        )
        return answer
      } catch (err) {
        last = (err as Error).message
        if (/refused \(HTTP (403|409)\)|not trusted/.test(last)) throw err
        o.logger.info(`[node-identity] ${last}; trying again`)
      }
    }
    if (Date.now() > deadline) throw new KforgeError(`node-identity: no token before the deadline: ${last}`)
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 5000))
  }
}
