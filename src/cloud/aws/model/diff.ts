/** Field-by-field comparison helpers shared by the kinds. */
import {tagsToSet} from '../tags.js'
import {hasUnknown} from './refs.js'
import type {FieldChange, Tags} from './types.js'

/** Canonical JSON (sorted object keys) so equal structures compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {}
      for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key]
      return sorted
    }
    return v
  })
}

export function same(a: unknown, b: unknown): boolean {
  return !hasUnknown(a) && canonical(a) === canonical(b)
}

/** One change per `[field, desired, actual]` that differs (unknown desired values always differ). */
export function changes(...pairs: [field: string, desired: unknown, actual: unknown][]): FieldChange[] {
  const out: FieldChange[] = []
  for (const [field, want, have] of pairs) {
    if (want === undefined) continue // not managed
    if (!same(want, have)) out.push({field, old: have, new: want})
  }
  return out
}

/** One change per tag key to set; tags others added are not ours to remove. */
export function tagChanges(desired: Tags, actual: Tags): FieldChange[] {
  return Object.entries(tagsToSet(desired, actual)).map(([k, v]) => ({
    field: `tags.${k}`,
    old: actual[k],
    new: v,
  }))
}

export function sortedStrings(values: readonly string[] | undefined): string[] {
  return [...(values ?? [])].sort()
}
