/**
 * An IMDSv2 client for the node agent: a session token from `PUT /latest/api/token`, then GETs
 * that carry it. kforge's launch templates require tokens (IMDSv1 is off), so a GET without one
 * is refused. The token is kept until shortly before its TTL runs out, and fetched again when
 * IMDS answers 401 (it expired, or IMDS restarted). A path IMDS does not have is 404: `undefined`
 * here, which is how the notices the watcher polls for say "nothing yet".
 */

export interface ImdsOptions {
  /** Default: http://169.254.169.254 */
  base?: string
  /** Lifetime asked for each token. Default: 21600 s (IMDS's maximum) */
  tokenTtlSeconds?: number
  /** Per request: IMDS answers in milliseconds or not at all. Default: 2000 ms */
  timeoutMs?: number
}

export class ImdsError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'ImdsError'
  }
}

export class Imds {
  private readonly base: string
  private readonly ttl: number
  private readonly timeoutMs: number
  private token: {value: string; until: number} | undefined

  constructor(options: ImdsOptions = {}) {
    this.base = (options.base ?? 'http://169.254.169.254').replace(/\/+$/, '')
    this.ttl = options.tokenTtlSeconds ?? 21_600
    this.timeoutMs = options.timeoutMs ?? 2000
  }

  private async send(method: string, path: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (err) {
      const why =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)
      throw new ImdsError(`IMDS ${method} ${path}: ${why}`)
    }
  }

  private async sessionToken(): Promise<string> {
    // A minute of margin: a token that expires between our check and IMDS's would be refused.
    if (this.token && Date.now() < this.token.until - 60_000) return this.token.value
    const res = await this.send('PUT', '/latest/api/token', {
      'X-aws-ec2-metadata-token-ttl-seconds': String(this.ttl),
    })
    if (!res.ok) throw new ImdsError(`IMDS token: HTTP ${res.status}`, res.status)
    this.token = {value: (await res.text()).trim(), until: Date.now() + this.ttl * 1000}
    return this.token.value
  }

  /** `latest/<path>` (`meta-data/instance-id`), or undefined when IMDS has no such path (404). */
  async get(path: string): Promise<string | undefined> {
    const url = `/latest/${path.replace(/^\/+/, '')}`
    for (let attempt = 0; ; attempt++) {
      const res = await this.send('GET', url, {'X-aws-ec2-metadata-token': await this.sessionToken()})
      const body = await res.text() // read every answer: an unread body holds its connection
      if (res.status === 404) return undefined
      if (res.status === 401 && attempt === 0) {
        this.token = undefined // expired or IMDS restarted: one fresh token, then give up
        continue
      }
      if (!res.ok) throw new ImdsError(`IMDS GET ${url}: HTTP ${res.status}`, res.status)
      return body
    }
  }
}
