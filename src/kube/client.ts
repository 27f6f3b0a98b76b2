/**
 * A small typed Kubernetes REST client over node:https: client-certificate or bearer-token auth,
 * CA-verified TLS (or explicitly unverified, as discovery's first fetch needs), JSON in and out,
 * and API failures as KubeApiError carrying the server's Status. No watch: callers poll, as
 * kubeadm's waiters do.
 */
import {Agent, request as httpsRequest} from 'node:https'
import {KubeApiError, KubeConnectionError} from './errors.js'
import type {KubeCredentials} from './kubeconfig.js'
import {apiVersionOf, describeObject, type ResourceType, resourcePath} from './resources.js'
import type {KubeList, KubeObject, Status} from './types.js'

export interface RequestOptions {
  body?: unknown
  query?: Record<string, string | undefined>
  contentType?: string
  /** Default: the client's timeout */
  timeoutMs?: number
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export interface ListOptions {
  labelSelector?: string
  fieldSelector?: string
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'
  /** Only delete this exact version (precondition). */
  resourceVersion?: string
}

export interface ClientOptions {
  /** Per request. Default: 10 s */
  timeoutMs?: number
  userAgent?: string
}

export class KubeClient {
  readonly server: URL
  private readonly agent: Agent
  private readonly timeoutMs: number
  private readonly userAgent: string

  constructor(
    readonly credentials: KubeCredentials,
    options: ClientOptions = {},
  ) {
    this.server = new URL(credentials.server)
    if (this.server.protocol !== 'https:') {
      throw new KubeConnectionError(credentials.server, new Error('only https:// servers are supported'))
    }
    this.agent = new Agent({
      keepAlive: true,
      ca: credentials.ca,
      cert: credentials.cert,
      key: credentials.key,
      rejectUnauthorized: !credentials.insecureSkipTLSVerify,
    })
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.userAgent = options.userAgent ?? 'kforge'
  }

  /** Close idle connections; the client can still be used afterwards. */
  close(): void {
    this.agent.destroy()
  }

  /** One HTTP exchange; never throws on an HTTP status, only when the server cannot be reached. */
  raw(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const url = new URL(path, this.server)
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v)
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
    const headers: Record<string, string | number> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    }
    if (payload) {
      headers['Content-Type'] = options.contentType ?? 'application/json'
      headers['Content-Length'] = payload.length
    }
    if (this.credentials.token) headers.Authorization = `Bearer ${this.credentials.token}`
    const timeout = options.timeoutMs ?? this.timeoutMs
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, {method, headers, agent: this.agent, timeout}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', (err) => reject(new KubeConnectionError(this.server.origin, err)))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeout} ms`)))
      req.on('error', (err) => reject(new KubeConnectionError(this.server.origin, err)))
      req.end(payload)
    })
  }

  /** JSON request; non-2xx answers become KubeApiError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options)
    if (res.status < 200 || res.status >= 300) {
      throw new KubeApiError(method, path, res.status, parseStatus(res.body), res.body)
    }
    if (res.body === '') return undefined as T
    try {
      return JSON.parse(res.body) as T
    } catch {
      throw new KubeApiError(
        method,
        path,
        res.status,
        undefined,
        `answer is not JSON: ${res.body.slice(0, 200)}`,
      )
    }
  }

  get<T extends KubeObject>(type: ResourceType<T>, name: string, namespace?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(type, namespace, name))
  }

  /** The object, or undefined when it does not exist. */
  async find<T extends KubeObject>(
    type: ResourceType<T>,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    try {
      return await this.get(type, name, namespace)
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return undefined
      throw err
    }
  }

  list<T extends KubeObject>(
    type: ResourceType<T>,
    namespace?: string,
    options: ListOptions = {},
  ): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', resourcePath(type, namespace), {
      query: {labelSelector: options.labelSelector, fieldSelector: options.fieldSelector},
    })
  }

  create<T extends KubeObject>(type: ResourceType<T>, obj: T): Promise<T> {
    return this.request<T>('POST', resourcePath(type, obj.metadata.namespace), {
      body: withTypeMeta(type, obj),
    })
  }

  /** PUT; carries metadata.resourceVersion when set, so a stale write fails with Conflict. */
  update<T extends KubeObject>(type: ResourceType<T>, obj: T, subresource?: string): Promise<T> {
    const name = requireName(type, obj)
    return this.request<T>('PUT', resourcePath(type, obj.metadata.namespace, name, subresource), {
      body: withTypeMeta(type, obj),
    })
  }

  /** JSON merge patch (RFC 7386). */
  patch<T extends KubeObject>(
    type: ResourceType<T>,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    return this.request<T>('PATCH', resourcePath(type, namespace, name, subresource), {
      body: patch,
      contentType: 'application/merge-patch+json',
    })
  }

  async delete(
    type: ResourceType,
    name: string,
    namespace?: string,
    options: DeleteOptions = {},
  ): Promise<void> {
    const body: Record<string, unknown> = {kind: 'DeleteOptions', apiVersion: 'v1'}
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy
    if (options.resourceVersion) body.preconditions = {resourceVersion: options.resourceVersion}
    await this.request('DELETE', resourcePath(type, namespace, name), {body})
  }

  /** Delete, treating "already gone" as success. Returns whether something was deleted. */
  async deleteIfExists(
    type: ResourceType,
    name: string,
    namespace?: string,
    options?: DeleteOptions,
  ): Promise<boolean> {
    try {
      await this.delete(type, name, namespace, options)
      return true
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return false
      throw err
    }
  }

  /** GET a health endpoint (`/healthz`, `/readyz`, `/livez`): 200 and body `ok` is healthy. */
  async health(path = '/healthz', timeoutMs?: number): Promise<{ok: boolean; status: number; body: string}> {
    const res = await this.raw('GET', path, timeoutMs === undefined ? {} : {timeoutMs})
    return {ok: res.status === 200 && res.body.trim() === 'ok', status: res.status, body: res.body}
  }

  describe(type: ResourceType, obj: KubeObject): string {
    return describeObject(type, obj.metadata.namespace, obj.metadata.name)
  }
}

function requireName(type: ResourceType, obj: KubeObject): string {
  if (!obj.metadata.name) throw new Error(`${type.kind}: metadata.name is required for this request`)
  return obj.metadata.name
}

function withTypeMeta<T extends KubeObject>(type: ResourceType<T>, obj: T): T {
  return {...obj, apiVersion: apiVersionOf(type), kind: type.kind}
}

function parseStatus(body: string): Status | undefined {
  try {
    const value = JSON.parse(body) as Partial<Status>
    return value && value.kind === 'Status' ? (value as Status) : undefined
  } catch {
    return undefined
  }
}
