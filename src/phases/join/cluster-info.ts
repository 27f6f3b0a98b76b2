/**
 * kubeadm's token discovery (cmd/kubeadm/app/discovery/token): fetch kube-public/cluster-info
 * anonymously without TLS verification, wait for the BootstrapSigner's `jws-kubeconfig-<id>`,
 * verify the detached JWS with the token, require exactly one cluster, check the CA against the
 * pins, then fetch again over TLS verified by that CA and require the same kubeconfig. Each
 * failure says which check failed. Nothing is written here: the caller writes only on success.
 */
import {request} from 'node:https'
import {isIP} from 'node:net'
import {verifyDetached} from '../../bootstrap/jws.js'
import {type PinSet, pemCertificates} from '../../bootstrap/pin.js'
import type {BootstrapToken} from '../../bootstrap/token.js'
import {clusterCaPem, type KubeconfigCluster, parseKubeconfig} from '../../pki/kubeconfig.js'
import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'

export const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info'

export interface DiscoveryOptions {
  /** `host:port` or `[v6]:port` of the API server (an `https://` prefix is accepted). */
  endpoint: string
  token: BootstrapToken
  pins: PinSet
  /** Default: 5 s, kubeadm's interval. */
  pollIntervalMs?: number
  /** Default: 5 min. */
  timeoutMs?: number
  logger: Logger
}

export interface DiscoveredCluster {
  server: string
  caPem: string
  /** The cluster-info kubeconfig exactly as served. */
  kubeconfig: string
}

interface ConfigMap {
  data?: Record<string, string>
}

class HttpStatusError extends Error {}

/** Where to connect: host, port and the name TLS verification checks. */
export function parseEndpoint(endpoint: string): {host: string; port: number; url: string} {
  const raw = endpoint.replace(/^https:\/\//, '').replace(/\/$/, '')
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw)
  if (!m || Number(m[3]) > 65535) {
    throw new KforgeError(`API server endpoint "${endpoint}" is not of the form host:port (or [ipv6]:port)`)
  }
  const host = m[1] ?? m[2]!
  const port = Number(m[3])
  return {host, port, url: `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`}
}

function get(
  endpoint: {host: string; port: number},
  tls: {ca?: string},
  timeoutMs: number,
): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        path: CLUSTER_INFO_PATH,
        method: 'GET',
        headers: {Accept: 'application/json'},
        ...(tls.ca ? {ca: tls.ca, rejectUnauthorized: true} : {rejectUnauthorized: false}),
        ...(isIP(endpoint.host) ? {} : {servername: endpoint.host}),
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}),
        )
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

async function fetchClusterInfo(
  endpoint: {host: string; port: number},
  tls: {ca?: string},
  timeoutMs: number,
): Promise<ConfigMap> {
  const res = await get(endpoint, tls, timeoutMs)
  if (res.status !== 200) throw new HttpStatusError(`HTTP ${res.status}: ${res.body.slice(0, 200)}`)
  try {
    return JSON.parse(res.body) as ConfigMap
  } catch {
    throw new HttpStatusError('the response is not JSON')
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
])

export async function discoverClusterInfo(o: DiscoveryOptions): Promise<DiscoveredCluster> {
  const endpoint = parseEndpoint(o.endpoint)
  const interval = o.pollIntervalMs ?? 5000
  const deadline = Date.now() + (o.timeoutMs ?? 5 * 60_000)
  const jwsKey = `jws-kubeconfig-${o.token.id}`
  const requestTimeout = () => Math.max(1000, Math.min(10_000, deadline - Date.now()))

  // 1. anonymous, unverified TLS, until the BootstrapSigner has signed it for our token
  let insecure: ConfigMap | undefined
  let lastProblem = 'no attempt finished'
  for (;;) {
    try {
      const cm = await fetchClusterInfo(endpoint, {}, requestTimeout())
      if (cm.data?.[jwsKey] !== undefined && cm.data.kubeconfig !== undefined) {
        insecure = cm
        break
      }
      lastProblem =
        cm.data?.kubeconfig === undefined
          ? 'the cluster-info ConfigMap has no kubeconfig key'
          : `the cluster-info ConfigMap has no ${jwsKey} key: token id "${o.token.id}" is unknown to this cluster, or not signed yet`
    } catch (err) {
      lastProblem = `cannot fetch cluster-info from ${endpoint.url}${CLUSTER_INFO_PATH}: ${(err as Error).message}`
    }
    o.logger.debug(`[discovery] ${lastProblem}; retrying in ${interval} ms`)
    if (Date.now() + interval > deadline) {
      throw new KforgeError(`discovery: timed out waiting for a signed cluster-info (${lastProblem})`)
    }
    await sleep(interval)
  }
  const kubeconfig = insecure.data!.kubeconfig!

  // 2. the signature proves the sender knows our token secret
  if (!verifyDetached(kubeconfig, insecure.data![jwsKey]!, o.token.id, o.token.secret)) {
    throw new KforgeError(
      `discovery: JWS signature check failed: ${jwsKey} does not sign the cluster-info kubeconfig with this token; can't trust this API server`,
    )
  }

  // 3. exactly one cluster, with its CA
  const parsed = parseKubeconfig(kubeconfig, 'discovery: cluster-info kubeconfig')
  const clusters = parsed.clusters ?? []
  if (clusters.length !== 1) {
    throw new KforgeError(
      `discovery: cluster-info check failed: expected exactly one cluster in its kubeconfig, found ${clusters.length}`,
    )
  }
  const cluster: KubeconfigCluster = clusters[0]!.cluster
  const caPem = clusterCaPem(cluster)
  if (!caPem || pemCertificates(caPem).length === 0) {
    throw new KforgeError(
      'discovery: cluster-info check failed: its cluster has no certificate-authority-data',
    )
  }

  // 4. the CA must be one the user pinned (kubeadm trusts the unverified CA only with the unsafe flag)
  if (o.pins.empty) {
    o.logger.warn(
      '[discovery] no CA pin given (--discovery-token-unsafe-skip-ca-verification): trusting the cluster CA on the token signature alone',
    )
    return {server: cluster.server, caPem, kubeconfig}
  }
  try {
    o.pins.checkAny(pemCertificates(caPem))
  } catch (err) {
    throw new KforgeError(`discovery: ${(err as Error).message}`)
  }

  // 5. fetch again over TLS verified by the pinned CA: the content must not change
  let secure: ConfigMap | undefined
  for (;;) {
    try {
      secure = await fetchClusterInfo(endpoint, {ca: caPem}, requestTimeout())
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (TLS_VERIFY_CODES.has(code)) {
        throw new KforgeError(
          `discovery: TLS verification failed: ${endpoint.url} does not present a certificate valid for "${endpoint.host}" signed by the pinned cluster CA (${code}: ${(err as Error).message})`,
        )
      }
      lastProblem = `cannot fetch cluster-info over verified TLS from ${endpoint.url}: ${(err as Error).message}`
      if (Date.now() + interval > deadline) throw new KforgeError(`discovery: timed out (${lastProblem})`)
      await sleep(interval)
    }
  }
  if (secure.data?.kubeconfig !== kubeconfig) {
    throw new KforgeError(
      'discovery: content check failed: the cluster-info kubeconfig fetched over verified TLS differs from the one first fetched',
    )
  }
  return {server: cluster.server, caPem, kubeconfig}
}
