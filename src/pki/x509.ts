/**
 * Loads @peculiar/x509 on first use, so commands that never touch certificates do not pay for it.
 *
 * The library's dependency injection (tsyringe) refuses to load without a `Reflect.getMetadata`
 * polyfill. It only reads and writes its own metadata keys on classes without constructor
 * parameters, so a WeakMap-backed implementation of the three functions it calls is enough and
 * spares us the reflect-metadata dependency. An existing polyfill is left alone.
 */
import {webcrypto} from 'node:crypto'

export type X509 = typeof import('@peculiar/x509')

type MetadataStore = WeakMap<object, Map<unknown, unknown>>

interface ReflectMetadata {
  getMetadata?: (key: unknown, target: object) => unknown
  getOwnMetadata?: (key: unknown, target: object) => unknown
  defineMetadata?: (key: unknown, value: unknown, target: object) => void
}

function installReflectMetadata(): void {
  const r = Reflect as unknown as ReflectMetadata
  if (r.getMetadata) return
  const store: MetadataStore = new WeakMap()
  r.getOwnMetadata = (key, target) => store.get(target)?.get(key)
  r.getMetadata = (key, target) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const value = store.get(t)?.get(key)
      if (value !== undefined) return value
    }
    return undefined
  }
  r.defineMetadata = (key, value, target) => {
    const own = store.get(target) ?? new Map<unknown, unknown>()
    own.set(key, value)
    store.set(target, own)
  }
}

let loading: Promise<X509> | undefined

export function loadX509(): Promise<X509> {
  loading ??= (async () => {
    installReflectMetadata()
    // A literal import(), which the node agent's bundler inlines: a require() made by createRequire
    // was left to resolve at run time, and an instance has no node_modules beside the agent (kforge
    // init failed at its certs phase). The package is CommonJS: its `default` is module.exports
    // under Node; the bundle's namespace carries the exports themselves.
    const mod = (await import('@peculiar/x509')) as X509 & {default?: X509}
    const x509 = mod.default ?? mod
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<X509['cryptoProvider']['set']>[0])
    return x509
  })()
  return loading
}
