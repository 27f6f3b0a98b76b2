/**
 * A loopback stand-in for the EC2 instance metadata service with IMDSv1 off, as kforge's launch
 * templates set it: `PUT /latest/api/token` with a TTL header (1..21600 s) gives a session token,
 * every `GET /latest/...` must carry a live one (401 otherwise), a path it does not hold is 404.
 * Tests set paths (`meta-data/instance-id`, `meta-data/spot/instance-action`, ...), can expire every
 * token (as IMDS does when it restarts), and can take it down: connections reset, or 500s.
 */
import {randomBytes} from 'node:crypto'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface ImdsRequest {
  method: string
  path: string
  /** The status it was answered with; 0 for a reset connection. */
  status: number
}

export interface ImdsStandIn {
  url: string
  /** Sets what `GET /latest/<path>` answers; undefined: 404 (the path does not exist). */
  set(path: string, value: string | undefined): void
  /** Every token handed out so far stops working. */
  expireTokens(): void
  /** `reset`: connections closed without an answer; `error`: HTTP 500; false: answering again. */
  outage(mode: 'reset' | 'error' | false): void
  readonly requests: ImdsRequest[]
  close(): Promise<void>
}

/** `host`: where to listen (default loopback); a node namespace reaches it through a DNAT rule. */
export async function startImds(
  initial: Record<string, string> = {},
  host = '127.0.0.1',
): Promise<ImdsStandIn> {
  const paths = new Map(Object.entries(initial))
  const tokens = new Set<string>()
  const requests: ImdsRequest[] = []
  let down: 'reset' | 'error' | false = false

  const server: Server = createServer((req, res) => {
    const path = req.url ?? ''
    const answer = (status: number, body = '') => {
      requests.push({method: req.method ?? '', path, status})
      res.writeHead(status, {'content-type': 'text/plain'}).end(body)
    }
    if (down === 'reset') {
      requests.push({method: req.method ?? '', path, status: 0})
      req.socket.destroy()
      return
    }
    if (down === 'error') return answer(500, 'Internal Server Error')
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return answer(405)
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds'])
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return answer(400)
      const token = randomBytes(24).toString('base64url')
      tokens.add(token)
      return answer(200, token)
    }
    if (!path.startsWith('/latest/')) return answer(404)
    if (req.method !== 'GET') return answer(405)
    const token = req.headers['x-aws-ec2-metadata-token']
    if (typeof token !== 'string' || !tokens.has(token)) return answer(401) // IMDSv1 is off
    const value = paths.get(path.slice('/latest/'.length))
    return value === undefined ? answer(404) : answer(200, value)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    set: (path, value) => {
      if (value === undefined) paths.delete(path)
      else paths.set(path, value)
    },
    expireTokens: () => tokens.clear(),
    outage: (mode) => {
      down = mode
    },
    requests,
    close: () => {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
