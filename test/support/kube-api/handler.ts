/**
 * The REST surface: kube-apiserver's URL layout (`/api/v1/namespaces/<ns>/<plural>/<name>/<sub>`,
 * `/apis/<group>/<version>/...`), verbs from HTTP methods, authentication then authorization on
 * every request, JSON bodies and Status errors. Every request is recorded in an audit log.
 */
import type {IncomingMessage, ServerResponse} from 'node:http'
import {admitPod} from './admission.js'
import {authenticate, type UserInfo} from './auth.js'
import {evict} from './eviction.js'
import {type Attributes, authorize, forbiddenMessage} from './rbac.js'
import {apiVersion, findResource, RESOURCES, type ResourceInfo} from './registry.js'
import {filterList} from './selectors.js'
import {errors, StatusError, success} from './status.js'
import type {Obj, Propagation, Store} from './store.js'

export interface AuditEntry {
  user: string
  groups: string[]
  verb: string
  path: string
  code: number
}

export interface HandlerOptions {
  store: Store
  audit: AuditEntry[]
  version: {major: string; minor: string; gitVersion: string}
  /** false while the apiserver is "starting": /readyz and /healthz answer 503 */
  ready: () => boolean
  /** false: etcd has no quorum, so the etcd checks fail (`/readyz/etcd`, `/livez/etcd`, and their parents) */
  etcdHealthy?: () => boolean
}

const HEALTH = new Set(['/healthz', '/livez', '/readyz'])
/** The individual checks kforge reads (kube-apiserver serves one path per check). */
const ETCD_CHECKS = new Set(['/healthz/etcd', '/livez/etcd', '/readyz/etcd'])

export function createHandler(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let who: UserInfo = {name: '?', groups: []}
      let verb = req.method ?? 'GET'
      const url = new URL(req.url ?? '/', 'https://double')
      const send = (code: number, body: unknown, type = 'application/json') => {
        opts.audit.push({user: who.name, groups: who.groups, verb, path: url.pathname + url.search, code})
        res.writeHead(code, {'Content-Type': type})
        res.end(typeof body === 'string' ? body : JSON.stringify(body))
      }
      try {
        who = authenticate(req, opts.store)
        const out = route(
          opts,
          req.method ?? 'GET',
          url,
          Buffer.concat(chunks),
          who,
          req.headers['content-type'] ?? '',
          (v) => {
            verb = v
          },
        )
        if (typeof out.body === 'string') send(out.code, out.body, 'text/plain; charset=utf-8')
        else send(out.code, out.body)
      } catch (err) {
        if (err instanceof StatusError) send(err.status.code, err.status)
        else
          send(500, {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: String(err),
            reason: 'InternalError',
            code: 500,
          })
      }
    })
  }
}

interface Out {
  code: number
  body: unknown
}

function route(
  opts: HandlerOptions,
  method: string,
  url: URL,
  raw: Buffer,
  who: UserInfo,
  contentType: string,
  setVerb: (v: string) => void,
): Out {
  const path = url.pathname.replace(/\/+$/, '') || '/'
  const check = (attrs: Attributes, details?: {name?: string; kind?: string; group?: string}) => {
    setVerb(attrs.verb)
    if (!authorize(opts.store, who, attrs)) throw errors.forbidden(forbiddenMessage(who, attrs), details)
  }
  if (HEALTH.has(path) || ETCD_CHECKS.has(path) || path === '/version') {
    check({verb: 'get', path})
    if (path === '/version')
      return {code: 200, body: {...opts.version, platform: 'linux/amd64', goVersion: 'double'}}
    if (opts.etcdHealthy?.() === false)
      return {
        code: 500,
        body: ETCD_CHECKS.has(path)
          ? 'internal server error: etcd client connection not yet established\n'
          : `[-]etcd failed: reason withheld\n${path.slice(1)} check failed\n`,
      }
    if (ETCD_CHECKS.has(path)) return {code: 200, body: 'ok'}
    return opts.ready()
      ? {code: 200, body: 'ok'}
      : {
          code: 503,
          body: `[-]poststarthook/bootstrap-controller failed: not finished\n${path.slice(1)} check failed`,
        }
  }
  // `/api/v1` is discovery; `/api/v1/nodes` (a cluster-scoped core collection) is not.
  if (path === '/api' || path === '/apis' || path === '/api/v1' || /^\/apis\/[^/]+(\/[^/]+)?$/.test(path)) {
    check({verb: 'get', path})
    return {code: 200, body: discovery(path)}
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(path)
  if (!m) throw errors.notFoundPath()
  const group = m[2] ?? ''
  const version = m[1] ?? m[3]!
  const seg = m[4]!.split('/').map(decodeURIComponent)
  let namespace: string | undefined
  if (seg[0] === 'namespaces' && seg.length >= 3 && findResource(group, version, seg[2]!)) {
    namespace = seg[1]
    seg.splice(0, 2)
  }
  const r = findResource(group, version, seg[0]!)
  if (!r || seg.length > 3 || (r.namespaced && !namespace && seg.length > 1)) throw errors.notFoundPath()
  const name = seg[1]
  const sub = seg[2]
  if (sub && !(sub === 'status' && r.status) && !r.extraSubresources?.includes(sub))
    throw errors.notFoundPath()
  const body = () => parseBody(raw, method, contentType)
  const attrs = (verb: string): Attributes => {
    const a: Attributes = {verb, apiGroup: group, resource: r.plural}
    if (sub) a.subresource = sub
    if (namespace) a.namespace = namespace
    if (name) a.name = name
    return a
  }
  const details = name ? {name, kind: r.plural, ...(group ? {group} : {})} : {kind: r.plural}
  const s = opts.store
  if (name === undefined) {
    if (method === 'GET') {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1')
        throw errors.methodNotAllowed('watch')
      check(attrs('list'), details)
      const items = filterList(
        s.list(r, namespace),
        url.searchParams.get('labelSelector'),
        url.searchParams.get('fieldSelector'),
      )
      return {code: 200, body: listOf(r, items, s.currentRevision)}
    }
    if (method === 'POST') {
      const obj = body()
      check(attrs('create'), details)
      checkTypeMeta(r, obj)
      if (r.kind === 'CertificateSigningRequest') {
        obj.spec = {...obj.spec, username: who.name, groups: who.groups, uid: who.uid ?? ''}
        delete obj.status
      }
      if (r.kind === 'Pod') admitPod(obj)
      return {code: 201, body: s.create(r, namespace, obj)}
    }
    throw errors.methodNotAllowed(method)
  }
  switch (method) {
    case 'POST':
      if (sub !== 'eviction') throw errors.methodNotAllowed(method)
      check(attrs('create'), details)
      return evict(s, namespace!, name)
    case 'GET':
      check(attrs('get'), details)
      return {code: 200, body: s.mustGet(r, namespace, name)}
    case 'PUT': {
      check(attrs('update'), details)
      const obj = body()
      checkTypeMeta(r, obj)
      return {code: 200, body: s.update(r, namespace, name, obj, sub)}
    }
    case 'PATCH':
      check(attrs('patch'), details)
      if (!/merge-patch\+json|strategic-merge-patch\+json/.test(contentType))
        throw errors.unsupportedMediaType(contentType)
      return {code: 200, body: s.patch(r, namespace, name, body(), sub)}
    case 'DELETE': {
      if (sub) throw errors.methodNotAllowed(method)
      check(attrs('delete'), details)
      const opt: Obj = raw.length > 0 ? body() : {metadata: {}}
      const propagation = (url.searchParams.get('propagationPolicy') ?? opt.propagationPolicy) as
        | Propagation
        | undefined
      const rv = opt.preconditions?.resourceVersion as string | undefined
      const gone = s.delete(r, namespace, name, {
        ...(propagation ? {propagation} : {}),
        ...(rv ? {resourceVersion: rv} : {}),
      })
      if (r.kind === 'Pod') return {code: 200, body: gone}
      return {
        code: 200,
        body: success({name, kind: r.plural, uid: gone.metadata.uid!, ...(group ? {group} : {})}),
      }
    }
    default:
      throw errors.methodNotAllowed(method)
  }
}

function parseBody(raw: Buffer, method: string, contentType: string): Obj {
  if (contentType && !/json/.test(contentType)) throw errors.unsupportedMediaType(contentType)
  try {
    const v = JSON.parse(raw.toString('utf8') || 'null')
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object')
    return v as Obj
  } catch (err) {
    throw errors.badRequest(
      `the body of the ${method} request could not be decoded: ${(err as Error).message}`,
    )
  }
}

function checkTypeMeta(r: ResourceInfo, obj: Obj): void {
  if (obj.kind !== undefined && obj.kind !== r.kind) {
    throw errors.badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion(r)}) or kind ${obj.kind} is not ${r.kind}`,
    )
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion(r)) {
    throw errors.badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion(r)})`,
    )
  }
}

function listOf(r: ResourceInfo, items: Obj[], revision: number): unknown {
  return {
    kind: `${r.kind}List`,
    apiVersion: apiVersion(r),
    metadata: {resourceVersion: String(revision)},
    items: items.map(({apiVersion: _a, kind: _k, ...rest}) => rest),
  }
}

function discovery(path: string): unknown {
  if (path === '/api') return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: []}
  const groups = [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => `${r.group}/${r.version}`))]
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((gv) => {
        const [name, version] = gv.split('/') as [string, string]
        const v = {groupVersion: gv, version}
        return {name, versions: [v], preferredVersion: v}
      }),
    }
  }
  const gv = path === '/api/v1' ? 'v1' : path.replace(/^\/apis\//, '')
  const rs = RESOURCES.filter((r) => apiVersion(r) === gv)
  if (rs.length === 0) throw errors.notFoundPath()
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: rs.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update'],
      },
      ...(r.status
        ? [
            {
              name: `${r.plural}/status`,
              singularName: '',
              namespaced: r.namespaced,
              kind: r.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  }
}
