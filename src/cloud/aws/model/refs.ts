/**
 * Walking desired props: finding the Refs in them (graph edges) and replacing each Ref with
 * what a target makes of it (a real id for the direct target, Ref/GetAtt for CloudFormation).
 */
import {Ref} from './types.js'

/** Replace every Ref inside `value` (arrays and plain objects, any depth) with `fn(ref)`. */
export function mapRefs(value: unknown, fn: (r: Ref) => unknown): unknown {
  if (value instanceof Ref) return fn(value)
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, fn))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = mapRefs(v, fn)
    return out
  }
  return value
}

/** Names of the resources `value` refers to, each once, in first-seen order. */
export function refTargets(value: unknown): string[] {
  const seen = new Set<string>()
  mapRefs(value, (r) => {
    seen.add(r.target)
    return undefined
  })
  return [...seen]
}

const UNKNOWN = '⟦after-apply:'

/**
 * A value not known until the resource it comes from exists (shown as `(known after apply)`, or
 * as the Ref's own `pending` words).
 */
export function unknownValue(r: Ref): string {
  return `${UNKNOWN}${r.target}${r.pending ? `|${r.pending}` : ''}⟧`
}

/** Text with placeholders shown as `<logical name>` (what a new resource is called before it has an id). */
export function showText(text: string): string {
  return text.replace(/⟦after-apply:([^⟧|]*)(\|[^⟧]*)?⟧/g, '<$1>')
}

/** `(known after apply)`, or the words the Ref gave for its pending value. */
function pendingWords(value: string): string {
  const words = /⟦after-apply:[^⟧|]*\|([^⟧]*)⟧/.exec(value)?.[1]
  return `(${words ?? 'known after apply'})`
}

export function isUnknown(value: unknown): boolean {
  return typeof value === 'string' && value.includes(UNKNOWN)
}

/** True when any string inside `value` is an unknown placeholder. */
export function hasUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true
  if (Array.isArray(value)) return value.some(hasUnknown)
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasUnknown)
  return false
}

/** For display: placeholders become `(known after apply)`. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(none)'
  if (typeof value === 'string' && isUnknown(value)) return pendingWords(value)
  if (typeof value === 'string')
    return value.length > 80 ? `${value.slice(0, 60)}... (${value.length} chars)` : value
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'string' && isUnknown(v) ? pendingWords(v) : v))
  return text.length > 160 ? `${text.slice(0, 140)}... (${text.length} chars)` : text
}
