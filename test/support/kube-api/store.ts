/**
 * The double's etcd: objects keyed by resource/namespace/name, one global revision counter that
 * stamps resourceVersion (as etcd's mod revision does), optimistic concurrency on update, status
 * subresource semantics, generation bumps on spec changes, and garbage collection of dependents
 * through ownerReferences. Events let controllers react to changes.
 */
import {randomUUID} from 'node:crypto'
import {EventEmitter} from 'node:events'
import type {KubeObject} from '../../../src/kube/types.js'
import {apiVersion, type ResourceInfo, resourceByKind} from './registry.js'
import {errors} from './status.js'
import {validate} from './validate.js'

// biome-ignore lint/suspicious/noExplicitAny: stored objects are arbitrary JSON of many kinds
export type Obj = KubeObject & Record<string, any>

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  resource: ResourceInfo
  object: Obj
}

export type Propagation = 'Orphan' | 'Background' | 'Foreground'

export class Store extends EventEmitter {
  private revision = 100
  private readonly objects = new Map<string, Obj>()

  constructor() {
    super()
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create(resourceByKind('Namespace'), undefined, {metadata: {name: ns}})
    }
  }

  get currentRevision(): number {
    return this.revision
  }

  private key(r: ResourceInfo, ns: string | undefined, name: string): string {
    return `${r.group}/${r.plural}/${r.namespaced ? (ns ?? '') : ''}/${name}`
  }

  get(r: ResourceInfo, ns: string | undefined, name: string): Obj | undefined {
    const o = this.objects.get(this.key(r, ns, name))
    return o ? structuredClone(o) : undefined
  }

  mustGet(r: ResourceInfo, ns: string | undefined, name: string): Obj {
    const o = this.get(r, ns, name)
    if (!o) throw errors.notFound(r.group, r.plural, name)
    return o
  }

  list(r: ResourceInfo, ns?: string): Obj[] {
    const prefix = `${r.group}/${r.plural}/${r.namespaced && ns ? `${ns}/` : ''}`
    const out: Obj[] = []
    for (const [k, o] of this.objects) if (k.startsWith(prefix)) out.push(structuredClone(o))
    return out.sort(
      (a, b) =>
        (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
        a.metadata.name!.localeCompare(b.metadata.name!),
    )
  }

  /** All objects of every kind (for tests that compare the whole API). */
  all(): {resource: ResourceInfo; object: Obj}[] {
    return [...this.objects.values()].map((o) => ({
      resource: resourceByKind(o.kind!),
      object: structuredClone(o),
    }))
  }

  create(r: ResourceInfo, ns: string | undefined, input: Obj): Obj {
    const obj = structuredClone(input)
    obj.metadata ??= {}
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`
    }
    if (r.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) {
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        )
      }
      obj.metadata.namespace = ns ?? obj.metadata.namespace ?? 'default'
      if (!this.objects.has(this.key(resourceByKind('Namespace'), undefined, obj.metadata.namespace!))) {
        throw errors.notFound('', 'namespaces', obj.metadata.namespace!)
      }
    } else {
      delete obj.metadata.namespace
    }
    normalise(r, obj)
    validate(r, obj)
    const key = this.key(r, obj.metadata.namespace, obj.metadata.name!)
    if (this.objects.has(key)) throw errors.alreadyExists(r.group, r.plural, obj.metadata.name!)
    obj.apiVersion = apiVersion(r)
    obj.kind = r.kind
    obj.metadata.uid = randomUUID()
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    obj.metadata.resourceVersion = String(++this.revision)
    if ('spec' in obj) obj.metadata.generation = 1
    delete obj.metadata.deletionTimestamp
    this.objects.set(key, obj)
    this.emit('change', {type: 'ADDED', resource: r, object: structuredClone(obj)} satisfies StoreEvent)
    return structuredClone(obj)
  }

  /**
   * PUT semantics. `subresource` 'status' changes only status; 'approval' only status.conditions;
   * on the main resource the live status is kept when the kind has a status subresource.
   */
  update(r: ResourceInfo, ns: string | undefined, name: string, input: Obj, subresource?: string): Obj {
    const live = this.mustGet(r, ns, name)
    if (input.metadata?.name && input.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`,
      )
    }
    const rv = input.metadata?.resourceVersion
    if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion)
      throw errors.conflict(r.group, r.plural, name)
    let next: Obj
    if (subresource === 'status') {
      next = {...live, status: input.status}
    } else if (subresource === 'approval') {
      next = {...live, status: {...(live.status ?? {}), conditions: input.status?.conditions ?? []}}
    } else {
      next = structuredClone(input)
      next.metadata = {
        ...input.metadata,
        name,
        uid: live.metadata.uid,
        creationTimestamp: live.metadata.creationTimestamp,
      }
      if (r.namespaced) next.metadata.namespace = live.metadata.namespace
      if (r.status) next.status = live.status
      if (r.kind === 'CertificateSigningRequest') next.spec = live.spec // spec is immutable
      normalise(r, next)
      validate(r, next, live)
      if ('spec' in next && JSON.stringify(next.spec) !== JSON.stringify(live.spec)) {
        next.metadata.generation = (live.metadata.generation ?? 1) + 1
      } else if (live.metadata.generation !== undefined) {
        next.metadata.generation = live.metadata.generation
      }
    }
    next.apiVersion = apiVersion(r)
    next.kind = r.kind
    next.metadata.resourceVersion = String(++this.revision)
    this.objects.set(this.key(r, live.metadata.namespace, name), next)
    this.emit('change', {type: 'MODIFIED', resource: r, object: structuredClone(next)} satisfies StoreEvent)
    return structuredClone(next)
  }

  /** JSON merge patch (RFC 7386) on the live object, then an update at the live resourceVersion. */
  patch(r: ResourceInfo, ns: string | undefined, name: string, patch: unknown, subresource?: string): Obj {
    const live = this.mustGet(r, ns, name)
    const merged = mergePatch(live, patch) as Obj
    merged.metadata.resourceVersion =
      (patch as Obj)?.metadata?.resourceVersion ?? live.metadata.resourceVersion
    return this.update(r, ns, name, merged, subresource)
  }

  delete(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    options: {propagation?: Propagation; resourceVersion?: string} = {},
  ): Obj {
    const live = this.mustGet(r, ns, name)
    if (options.resourceVersion && options.resourceVersion !== live.metadata.resourceVersion) {
      throw errors.preconditionFailed(r, name, options.resourceVersion, live.metadata.resourceVersion!)
    }
    this.objects.delete(this.key(r, live.metadata.namespace, name))
    ++this.revision
    this.emit('change', {type: 'DELETED', resource: r, object: live} satisfies StoreEvent)
    if (options.propagation !== 'Orphan') this.collectDependents(live.metadata.uid!)
    else this.orphanDependents(live.metadata.uid!)
    return live
  }

  /** The garbage collector: anything whose ownerReferences name a deleted uid goes too. */
  private collectDependents(uid: string): void {
    for (const o of [...this.objects.values()]) {
      if (o.metadata.ownerReferences?.some((ref) => ref.uid === uid)) {
        const r = resourceByKind(o.kind!)
        if (this.objects.has(this.key(r, o.metadata.namespace, o.metadata.name!)))
          this.delete(r, o.metadata.namespace, o.metadata.name!)
      }
    }
  }

  private orphanDependents(uid: string): void {
    for (const o of [...this.objects.values()]) {
      if (o.metadata.ownerReferences?.some((ref) => ref.uid === uid)) {
        const r = resourceByKind(o.kind!)
        const refs = o.metadata.ownerReferences.filter((ref) => ref.uid !== uid)
        this.patch(r, o.metadata.namespace, o.metadata.name!, {
          metadata: {ownerReferences: refs.length ? refs : null},
        })
      }
    }
  }
}

/** Secrets: stringData folds into data (base64), as the API server does on write. */
function normalise(r: ResourceInfo, obj: Obj): void {
  if (r.kind === 'Secret') {
    if (obj.stringData) {
      obj.data ??= {}
      for (const [k, v] of Object.entries(obj.stringData as Record<string, string>))
        obj.data[k] = Buffer.from(v).toString('base64')
      delete obj.stringData
    }
    obj.type ??= 'Opaque'
  }
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? {...(target as Record<string, unknown>)}
      : {}
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete base[k]
    else base[k] = mergePatch(base[k], v)
  }
  return base
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  let s = ''
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)]
  return s
}
