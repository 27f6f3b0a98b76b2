/** Label and field selectors for list requests, the syntax kubectl and client-go send. */
import type {Obj} from './store.js'

type Req = (labels: Record<string, string>) => boolean

export function parseLabelSelector(selector: string): Req {
  const reqs: Req[] = []
  // split on commas that are not inside parentheses
  for (const part of selector
    .split(/,(?![^(]*\))/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const set = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part)
    const eq = /^(\S+?)\s*(==|=|!=)\s*(\S*)$/.exec(part)
    if (set) {
      const [, key, op, vals] = set as unknown as [string, string, string, string]
      const values = vals.split(',').map((v) => v.trim())
      reqs.push((l) =>
        op === 'in' ? key in l && values.includes(l[key]!) : !(key in l) || !values.includes(l[key]!),
      )
    } else if (eq) {
      const [, key, op, val] = eq as unknown as [string, string, string, string]
      reqs.push((l) => (op === '!=' ? l[key] !== val : l[key] === val))
    } else if (part.startsWith('!')) {
      reqs.push((l) => !(part.slice(1) in l))
    } else {
      reqs.push((l) => part in l)
    }
  }
  return (l) => reqs.every((r) => r(l))
}

function fieldValue(obj: Obj, path: string): string {
  let v: unknown = obj
  for (const p of path.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
  return v === undefined || v === null ? '' : String(v)
}

export function filterList(items: Obj[], labelSelector: string | null, fieldSelector: string | null): Obj[] {
  let out = items
  if (labelSelector) {
    const match = parseLabelSelector(labelSelector)
    out = out.filter((o) => match(o.metadata.labels ?? {}))
  }
  if (fieldSelector) {
    for (const part of fieldSelector.split(',').filter(Boolean)) {
      const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(part)
      if (!m) continue
      const [, field, op, val] = m as unknown as [string, string, string, string]
      out = out.filter((o) => (op === '!=' ? fieldValue(o, field) !== val : fieldValue(o, field) === val))
    }
  }
  return out
}
