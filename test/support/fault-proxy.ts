/**
 * A loopback HTTP proxy between kforge and the emulator that misbehaves the way AWS does under
 * load: at a set rate it answers a request with the service's own throttling error (EC2's
 * RequestLimitExceeded, the query services' Throttling, KMS's ThrottlingException, S3's
 * SlowDown) or drops the connection before the request reaches the emulator. Everything else is
 * forwarded untouched.
 *
 * The same request (same service, method, path and body: what a retry resends) is faulted at
 * most `maxConsecutive` times in a row, so a client that retries more often than that must
 * succeed: the proxy tests "throttling never surfaces while retries remain", not luck.
 */
import {createHash} from 'node:crypto'
import {createServer, type IncomingMessage, request, type Server, type ServerResponse} from 'node:http'

export interface FaultProxyOptions {
  /** Where requests go: the emulator's endpoint. */
  target: string
  /** Fraction of requests to fault, 0..1. */
  rate: number
  /** Of the faulted requests, the fraction dropped (connection reset) instead of throttled. Default: 0.25 */
  dropShare?: number
  /** Default: 3 (the SDK's adaptive mode here makes up to 6 attempts) */
  maxConsecutive?: number
  /** Deterministic choices for a given request order. Default: 1 */
  seed?: number
}

export interface FaultStats {
  requests: number
  throttled: number
  dropped: number
  forwarded: number
  /** Faults by service (`ec2`, `autoscaling`, `kms`...). */
  byService: Record<string, number>
}

export interface FaultProxy {
  endpoint: string
  stats: FaultStats
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

/** The signing service in `Credential=AKID/date/region/<service>/aws4_request`. */
export function serviceOf(req: IncomingMessage): string {
  const auth = String(req.headers.authorization ?? '')
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown'
}

function throttle(res: ServerResponse, service: string): void {
  const id = createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32)
  if (service === 'kms') {
    res.writeHead(400, {'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': id})
    res.end(JSON.stringify({__type: 'ThrottlingException', message: 'Rate exceeded'}))
    return
  }
  if (service === 'ec2') {
    res.writeHead(503, {'content-type': 'text/xml'})
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>` +
        `<Message>Request limit exceeded.</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
    )
    return
  }
  if (service === 's3') {
    res.writeHead(503, {'content-type': 'application/xml'})
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>${id}</RequestId></Error>`,
    )
    return
  }
  // AutoScaling, IAM, ELBv2, CloudFormation, STS (query protocol) and Route53 (REST-XML).
  res.writeHead(400, {'content-type': 'text/xml', 'x-amzn-requestid': id})
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>` +
      `<Message>Rate exceeded</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
  )
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const next = random(options.seed ?? 1)
  const dropShare = options.dropShare ?? 0.25
  const maxConsecutive = options.maxConsecutive ?? 3
  const streaks = new Map<string, number>()
  const stats: FaultStats = {requests: 0, throttled: 0, dropped: 0, forwarded: 0, byService: {}}

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      stats.requests++
      const body = Buffer.concat(chunks)
      const service = serviceOf(req)
      const fingerprint = createHash('sha256')
        .update(`${service} ${req.method} ${req.url}\n`)
        .update(body)
        .digest('hex')
      const streak = streaks.get(fingerprint) ?? 0
      if (streak < maxConsecutive && next() < options.rate) {
        streaks.set(fingerprint, streak + 1)
        stats.byService[service] = (stats.byService[service] ?? 0) + 1
        if (next() < dropShare) {
          stats.dropped++
          req.socket.destroy()
          return
        }
        stats.throttled++
        throttle(res, service)
        return
      }
      streaks.delete(fingerprint)
      stats.forwarded++
      const upstream = request(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: {...req.headers, host: target.host},
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        },
      )
      upstream.on('error', (err) => {
        res.writeHead(502, {'content-type': 'text/plain'})
        res.end(`fault proxy: upstream error: ${err.message}`)
      })
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
