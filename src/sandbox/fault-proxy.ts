/**
 * A loopback HTTP proxy between kforge and the emulator that makes the emulator behave the way
 * AWS does, where it answers every call at once and exactly once. Seeded, so a run's faults can
 * be reproduced; each fault is logged and counted by kind. Used by the tests (test/support) and
 * by bench/provision (so it lives in src/, where the compiled benchmark can load it).
 *
 * - throttling: the service's own error (EC2's RequestLimitExceeded, the query services'
 *   Throttling, KMS's ThrottlingException, S3's SlowDown), uniformly (`rate`) or in bursts
 *   (`burstThrottleRate`), before the request reaches the emulator;
 * - dropped: the connection reset before the request reaches the emulator (`rate`, `dropShare`);
 * - lost: the emulator acted, then the connection is reset instead of answering: what a client
 *   sees when a response is lost or its own timeout fires (`lostResponseRate`);
 * - slow: the emulator acted, and the answer is held past the client's timeout (`slowResponseRate`);
 * - lagged: a Describe/Get that names something created less than `readAfterWriteLagMs` ago gets
 *   that service's NotFound (EC2's documented eventual consistency; IAM's, ELBv2's, KMS's);
 * - pending: NAT gateways, load balancers and instances younger than their pending time are shown
 *   `pending` / `provisioning` / `Pending` in every read;
 * - client tokens: a repeated EC2 request with the same ClientToken gets the first answer (or
 *   IdempotentParameterMismatch), a repeated Route53 CallerReference HostedZoneAlreadyExists, and
 *   a repeated CreateListener the listener it made, a second CreateAutoScalingGroup of one name
 *   AlreadyExists, as AWS does and the emulator does not.
 *
 * One call (the SDK's `amz-sdk-invocation-id`, which its retries repeat; without it, the same
 * service, method, path and body) is faulted at most `maxConsecutive` times in a row, so a client
 * that retries more often than that must succeed: the proxy tests "faults never surface while
 * retries remain", not luck. Identical calls in flight at once (two waits polling the same
 * listing) are separate calls: keyed by their bytes alone, one's answer reset the other's streak,
 * and a call met six faults in a row.
 */
import {createHash} from 'node:crypto'
import {createServer, type IncomingMessage, request, type Server, type ServerResponse} from 'node:http'
import {
  type Born,
  bornBy,
  type Call,
  errorReply,
  HELD,
  hold,
  instanceIdsIn,
  isCreate,
  isRead,
  namedIds,
  notYetVisible,
  parseCall,
  type Reply,
  throttleReply,
} from './aws-dialect.js'

export {serviceOf} from './aws-dialect.js'

export interface FaultProxyOptions {
  /** Where requests go: the emulator's endpoint. */
  target: string
  /** Fraction of requests faulted uniformly before they reach the emulator, 0..1. Default: 0 */
  rate?: number
  /** Of those, the fraction dropped (connection reset) instead of throttled. Default: 0.25 */
  dropShare?: number
  /** Default: 3 (kforge's clients make up to 6 attempts) */
  maxConsecutive?: number
  /** Deterministic choices for a given request order. Default: 1 */
  seed?: number
  /** Fraction of requests the emulator acts on whose answer is then lost. Default: 0 */
  lostResponseRate?: number
  /** Fraction of requests the emulator acts on whose answer is held `slowResponseMs`. Default: 0 */
  slowResponseRate?: number
  /** Longer than the client's request timeout. Default: 10 s */
  slowResponseMs?: number
  /** Fraction of requests throttled, in bursts of `burstLength` calls to one service. Default: 0 */
  burstThrottleRate?: number
  /** Default: 5 */
  burstLength?: number
  /** How long a created resource stays invisible to reads that name it. Default: 0 */
  readAfterWriteLagMs?: number
  /** Default: 0 */
  natGatewayPendingMs?: number
  /** Default: 0 */
  loadBalancerProvisioningMs?: number
  /** From the first answer that shows an instance. Default: 0 */
  instancePendingMs?: number
  /**
   * Multiplies the lag and pending times (not `slowResponseMs`, which is set against the client's
   * timeout): 0.1 runs a 60 s NAT gateway in 6 s. Default: 1
   */
  timeScale?: number
  /** ClientToken / CallerReference idempotency the emulator lacks. Default: true */
  clientTokens?: boolean
  /** Services never faulted (`s3` for a state store that is not under test). Default: none */
  spare?: readonly string[]
  /** Called with each fault as it happens. Default: none */
  log?: (fault: Fault) => void
}

export type FaultKind = 'throttled' | 'dropped' | 'lost' | 'slow' | 'lagged' | 'pending' | 'tokenReplayed'

export interface Fault {
  kind: FaultKind
  service: string
  action: string
  /** The resource a lag or pending fault was about; empty for the others. */
  resource: string
  /** Milliseconds since the proxy started. */
  at: number
}

export interface FaultStats {
  requests: number
  forwarded: number
  throttled: number
  dropped: number
  lost: number
  slow: number
  lagged: number
  pending: number
  tokenReplayed: number
  /** Faults by service (`ec2`, `autoscaling`, `kms`...). */
  byService: Record<string, number>
}

export interface FaultProxy {
  endpoint: string
  stats: FaultStats
  /** Every fault, in order. */
  faults: Fault[]
  /** One line: the count of each kind of fault, and of requests. */
  summary(): string
  close(): Promise<void>
}

/** mulberry32: a small seeded PRNG, so a run's fault pattern can be reproduced. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers)
  res.end(reply.body)
}

export interface Upstream {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** One request passed on to `target` as it came; the whole answer read. (The lifecycle stand-in uses it too.) */
export function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const up = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {...req.headers, host: target.host},
      },
      (r) => {
        const chunks: Buffer[] = []
        r.on('data', (c: Buffer) => chunks.push(c))
        r.on('end', () =>
          resolve({status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(chunks)}),
        )
        r.on('error', reject)
      },
    )
    up.on('error', reject)
    up.end(body)
  })
}

/**
 * Creates AWS answers idempotently by their content where the emulator makes a second copy:
 * CreateListener with the same settings on a load balancer's port returns the listener it made
 * (different settings: DuplicateListener), and CreateLoadBalancer of one name with the same
 * settings returns the load balancer it made (different settings: DuplicateLoadBalancerName).
 */
function naturalKey(call: Call): string | undefined {
  if (call.service === 'elasticloadbalancing' && call.action === 'CreateListener') {
    return `listener ${call.params.get('LoadBalancerArn')} ${call.params.get('Port')}`
  }
  if (call.service === 'elasticloadbalancing' && call.action === 'CreateLoadBalancer') {
    return `load balancer ${call.params.get('Name')}`
  }
  return undefined
}

function duplicateReply(call: Call): ReturnType<typeof errorReply> {
  return call.action === 'CreateLoadBalancer'
    ? errorReply(
        call.service,
        400,
        'DuplicateLoadBalancerName',
        'A load balancer with the same name already exists',
      )
    : errorReply(call.service, 400, 'DuplicateListener', 'A listener already exists on that port')
}

/** Parameters that make two requests with one ClientToken the same request. */
function withoutToken(call: Call): string {
  return [...call.params]
    .filter(([k]) => k !== 'ClientToken' && k !== 'Version')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const next = random(options.seed ?? 1)
  const started = Date.now()
  const scale = options.timeScale ?? 1
  const dropShare = options.dropShare ?? 0.25
  const maxConsecutive = options.maxConsecutive ?? 3
  const burstLength = options.burstLength ?? 5
  const burstRate = options.burstThrottleRate ?? 0
  // A burst of L starts with probability p on a request outside one: the throttled share is
  // pL / (1 + pL), so p = rate / (L (1 - rate)) gives the rate asked for.
  const burstStart = burstRate > 0 ? burstRate / (burstLength * (1 - burstRate)) : 0
  const lagMs = (options.readAfterWriteLagMs ?? 0) * scale
  const pendingMs = {
    nat: (options.natGatewayPendingMs ?? 0) * scale,
    loadBalancer: (options.loadBalancerProvisioningMs ?? 0) * scale,
    instance: (options.instancePendingMs ?? 0) * scale,
  }
  const spare = new Set(options.spare ?? [])

  const streaks = new Map<string, number>()
  const bursts = new Map<string, number>()
  /** Identifier → when it was first seen, and how its service says it does not exist. */
  const born = new Map<string, {at: number; born: Born}>()
  const seen = new Set<string>()
  /** Resource id → first sight, per kind of resource held pending. */
  const firstSeen = {
    nat: new Map<string, number>(),
    loadBalancer: new Map<string, number>(),
    instance: new Map<string, number>(),
  }
  const tokens = new Map<string, {request: string; reply: Upstream}>()
  /** Auto-scaling groups made through the proxy and not deleted since. */
  const groups = new Set<string>()
  /** A listener or load balancer deleted: a new create on that port is a new listener. */
  const forgetDeleted = (call: Call) => {
    const gone = call.params.get('ListenerArn') ?? call.params.get('LoadBalancerArn')
    if (call.service !== 'elasticloadbalancing' || !/^Delete/.test(call.action) || !gone) return
    for (const [k, v] of tokens) if (k.includes(gone) || v.reply.body.includes(gone)) tokens.delete(k)
  }
  const callerReferences = new Set<string>()

  const stats: FaultStats = {
    requests: 0,
    forwarded: 0,
    throttled: 0,
    dropped: 0,
    lost: 0,
    slow: 0,
    lagged: 0,
    pending: 0,
    tokenReplayed: 0,
    byService: {},
  }
  const faults: Fault[] = []
  const record = (kind: FaultKind, call: Call, resource = '', count = 1) => {
    stats[kind] += count
    stats.byService[call.service] = (stats.byService[call.service] ?? 0) + count
    const fault = {kind, service: call.service, action: call.action, resource, at: Date.now() - started}
    faults.push(fault)
    options.log?.(fault)
  }

  /** A random fault for this request, within its streak allowance. */
  const chance = (fingerprint: string, p: number): boolean => {
    if (p <= 0) return false
    const streak = streaks.get(fingerprint) ?? 0
    if (streak >= maxConsecutive || next() >= p) return false
    streaks.set(fingerprint, streak + 1)
    return true
  }

  const inBurst = (call: Call, fingerprint: string): boolean => {
    if (burstStart <= 0) return false
    const left = bursts.get(call.service) ?? 0
    if (left > 0) {
      bursts.set(call.service, left - 1)
    } else if (next() < burstStart) {
      bursts.set(call.service, burstLength - 1)
    } else return false
    const streak = streaks.get(fingerprint) ?? 0
    if (streak >= maxConsecutive) return false
    streaks.set(fingerprint, streak + 1)
    return true
  }

  const lagging = (call: Call): Born | undefined => {
    if (lagMs <= 0 || !isRead(call.action)) return undefined
    for (const id of namedIds(call)) {
      const b = born.get(id)
      if (b && Date.now() - b.at < lagMs) return b.born
    }
    return undefined
  }

  /** Learn what an answer shows; rewrite what must still look pending. */
  const observe = (call: Call, up: Upstream): Buffer => {
    if (up.status >= 300) return up.body
    let text = up.body.toString('utf8')
    const now = Date.now()
    if (isCreate(call.action)) {
      for (const b of bornBy(call, text)) {
        if (seen.has(b.id)) continue
        seen.add(b.id)
        born.set(b.id, {at: now, born: b})
        if (b.id.startsWith('nat-')) firstSeen.nat.set(b.id, now)
        if (b.id.includes(':loadbalancer/')) firstSeen.loadBalancer.set(b.id, now)
      }
    }
    for (const id of instanceIdsIn(text)) if (!firstSeen.instance.has(id)) firstSeen.instance.set(id, now)
    let changed = false
    for (const kind of ['nat', 'loadBalancer', 'instance'] as const) {
      if (pendingMs[kind] <= 0) continue
      for (const h of HELD[kind]!) {
        if (h.service !== call.service || h.action !== call.action) continue
        const young = [...firstSeen[kind]].filter(([, at]) => now - at < pendingMs[kind]).map(([id]) => id)
        if (young.length === 0) continue
        const r = hold(text, h.held, young)
        if (r.count > 0) {
          text = r.xml
          changed = true
          record('pending', call, young.join(','), r.count)
        }
      }
    }
    return changed ? Buffer.from(text) : up.body
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    stats.requests++
    const call = parseCall(req, body)
    const invocation = req.headers['amz-sdk-invocation-id']
    const fingerprint =
      typeof invocation === 'string'
        ? `invocation ${invocation}`
        : createHash('sha256').update(`${call.service} ${req.method} ${req.url}\n`).update(body).digest('hex')
    const faultable = !spare.has(call.service)

    if (faultable && inBurst(call, fingerprint)) {
      record('throttled', call)
      send(res, throttleReply(call.service))
      return
    }
    if (faultable && chance(fingerprint, options.rate ?? 0)) {
      if (next() < dropShare) {
        record('dropped', call)
        req.socket.destroy()
        return
      }
      record('throttled', call)
      send(res, throttleReply(call.service))
      return
    }
    const lag = faultable ? lagging(call) : undefined
    if (lag) {
      record('lagged', call, lag.id)
      send(res, notYetVisible(call, lag))
      return
    }
    const group =
      call.action === 'CreateAutoScalingGroup' ? call.params.get('AutoScalingGroupName') : undefined
    if (options.clientTokens !== false && group && groups.has(group)) {
      // AWS refuses a second group of one name; the emulator replaces the first, orphaning its instances.
      record('tokenReplayed', call, group)
      send(
        res,
        errorReply(
          call.service,
          400,
          'AlreadyExists',
          `AutoScalingGroup by this name already exists - A group with the name ${group} already exists`,
        ),
      )
      return
    }
    const clientToken = options.clientTokens !== false ? call.params.get('ClientToken') : undefined
    const natural = options.clientTokens !== false ? naturalKey(call) : undefined
    const tokenKey = clientToken ? `${call.service} ${call.action} ${clientToken}` : (natural ?? '')
    const earlier = tokenKey ? tokens.get(tokenKey) : undefined
    let up: Upstream
    if (earlier) {
      if (earlier.request !== withoutToken(call)) {
        send(
          res,
          clientToken
            ? errorReply(
                call.service,
                400,
                'IdempotentParameterMismatch',
                `Client token ${clientToken} was used with different parameters`,
              )
            : duplicateReply(call),
        )
        return
      }
      record('tokenReplayed', call)
      up = earlier.reply
    } else if (
      options.clientTokens !== false &&
      call.action === 'CreateHostedZone' &&
      callerReferences.has(call.params.get('CallerReference') ?? '')
    ) {
      record('tokenReplayed', call)
      send(
        res,
        errorReply(
          call.service,
          409,
          'HostedZoneAlreadyExists',
          'A hosted zone was already created with this CallerReference',
        ),
      )
      return
    } else {
      stats.forwarded++
      try {
        up = await forward(target, req, body)
      } catch (err) {
        send(res, {
          status: 502,
          headers: {'content-type': 'text/plain'},
          body: `fault proxy: upstream error: ${(err as Error).message}`,
        })
        return
      }
      if (tokenKey && up.status < 300) tokens.set(tokenKey, {request: withoutToken(call), reply: up})
      if (up.status < 300) forgetDeleted(call)
      if (group && up.status < 300) groups.add(group)
      const deletedGroup =
        call.action === 'DeleteAutoScalingGroup' ? call.params.get('AutoScalingGroupName') : undefined
      if (deletedGroup && up.status < 300) groups.delete(deletedGroup)
      const reference = call.params.get('CallerReference')
      if (call.action === 'CreateHostedZone' && reference !== undefined && up.status < 300) {
        callerReferences.add(reference)
      }
    }
    const reply = observe(call, up)
    if (faultable && chance(fingerprint, options.lostResponseRate ?? 0)) {
      record('lost', call)
      req.socket.destroy()
      return
    }
    if (faultable && chance(fingerprint, options.slowResponseRate ?? 0)) {
      record('slow', call)
      await new Promise((r) => setTimeout(r, options.slowResponseMs ?? 10_000))
      if (req.socket.destroyed) return
    }
    // Answered: the next fault of this request starts a new streak.
    streaks.delete(fingerprint)
    const headers = {...up.headers}
    delete headers['content-length']
    delete headers['transfer-encoding']
    res.writeHead(up.status, {...headers, 'content-length': String(reply.length)})
    res.end(reply)
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent) send(res, {status: 502, headers: {}, body: String(err)})
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    faults,
    summary: () =>
      `${stats.requests} requests: ${stats.throttled} throttled, ${stats.dropped} dropped, ${stats.lost} answers lost, ` +
      `${stats.slow} answers late, ${stats.lagged} reads before a create was visible, ` +
      `${stats.pending} resources shown pending, ${stats.tokenReplayed} repeated client tokens`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
