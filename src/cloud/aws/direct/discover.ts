/**
 * Everything a cluster owns, for `delete cluster`: every kind's tagged resources, plus what only
 * a relation reveals (see the discover-only kinds), minus what goes with its parent anyway.
 */
import type {Actual, AnyDiscoverable, FindContext} from '../model/types.js'
import {DISCOVER_ONLY, KINDS} from '../resources/index.js'
import {isOwned} from '../tags.js'
import type {Doomed} from './delete.js'
import {listAll} from './plan.js'

export const ALL_KINDS: readonly AnyDiscoverable[] = [...KINDS, ...DISCOVER_ONLY]

export async function discoverOwned(ctx: FindContext): Promise<Doomed[]> {
  const listed = await listAll(ctx, ALL_KINDS)
  const out: Doomed[] = []
  const seen = new Set<string>()
  for (const kind of ALL_KINDS) {
    for (const actual of listed.get(kind.kind) ?? []) {
      if (kind.ownership === 'tags' && !isOwned(ctx.cluster, actual.tags)) continue
      if (kind.neededOnClusterDelete && !kind.neededOnClusterDelete(actual)) continue
      const key = `${kind.kind}/${actual.id}`
      if (seen.has(key)) continue
      seen.add(key)
      out.push({kind, actual: actual as Actual})
    }
  }
  return out
}
