/**
 * Find → diff: list every kind once (batched reads), match each desired resource to what exists,
 * and work out per resource whether to create, modify (field by field), replace or leave it, and
 * which owned resources the model no longer wants.
 */
import {KforgeError} from '../../../util/errors.js'
import {mapLimit} from '../model/concurrency.js'
import {dependencyOrder} from '../model/order.js'
import {mapRefs, showText, showValue, unknownValue} from '../model/refs.js'
import type {
  Actual,
  AnyDiscoverable,
  AnyKind,
  Desired,
  FieldChange,
  FindContext,
  Model,
  PhaseName,
} from '../model/types.js'
import {PHASES} from '../model/types.js'
import {KINDS, kindOf} from '../resources/index.js'
import {clusterTagKey, isOwned, RESOURCE_TAG} from '../tags.js'

export type Action = 'create' | 'update' | 'replace' | 'none' | 'share' | 'refused'

export interface PlanItem {
  desired: Desired
  kind: AnyKind
  actual?: Actual
  action: Action
  changes: FieldChange[]
  /** `describe(props)` with what is known before apply. */
  label: string
  /** Opens something to the whole internet (kind.openToWorld). */
  openToWorld?: boolean
}

export interface Deletion {
  kind: AnyDiscoverable
  actual: Actual
}

export interface Plan {
  model: Model
  /** Every desired resource, in dependency order. */
  items: PlanItem[]
  /** Owned resources the model no longer has. */
  deletions: Deletion[]
  /** Why the plan cannot be applied (immutable changes, missing shared resources). */
  refused: Refusal[]
}

export interface Refusal {
  phase: PhaseName
  message: string
}

export function isImmutableChange(kind: AnyKind, change: FieldChange): boolean {
  return kind.immutable.some((f) => change.field === f || change.field.startsWith(`${f}.`))
}

/**
 * What to do with a resource that exists: its changes, and whether they are applied in place,
 * by replacing it, or refused (the kind's own refusals first, then its immutable fields).
 */
export function judgeChanges(
  kind: AnyKind,
  d: Desired,
  props: unknown,
  actual: Actual,
): {action: Action; changes: FieldChange[]; refused: string[]} {
  const changes = kind.diff(props, actual)
  const own = kind.refusals?.(d.name, props, actual, changes) ?? []
  const explained = new Set(own.map((r) => r.field))
  const immutable = changes.filter((c) => isImmutableChange(kind, c))
  const unexplained =
    kind.onImmutableChange === 'refuse' ? immutable.filter((c) => !explained.has(c.field)) : []
  const refused = [
    ...own.map((r) => r.message),
    ...unexplained.map(
      (c) =>
        `${d.kind} ${d.name}: ${c.field} cannot change in place (${showValue(c.old)} -> ${showValue(c.new)}); ` +
        'revert the spec, or delete and re-create the cluster',
    ),
  ]
  if (refused.length > 0) return {action: 'refused', changes, refused}
  if (immutable.length > 0) return {action: 'replace', changes, refused}
  return {action: changes.length > 0 ? 'update' : 'none', changes, refused}
}

/** All kinds listed in parallel: one batched read (plus pages) per kind, whatever the group count. */
export async function listAll(
  ctx: FindContext,
  kinds: readonly AnyDiscoverable[],
  external: Map<string, string[]> = new Map(),
): Promise<Map<string, Actual[]>> {
  const lists = await mapLimit(kinds, 6, async (k) => {
    try {
      return await k.list(ctx, external.get(k.kind) ?? [])
    } catch (err) {
      throw new KforgeError(
        `listing ${k.kind} resources: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      )
    }
  })
  return new Map(kinds.map((k, i) => [k.kind, lists[i]!]))
}

export interface PlanOptions {
  /**
   * Plan only these phases' resources, listing only their kinds (the CloudFormation export reads
   * just the prerequisites). Default: every phase.
   */
  phases?: readonly PhaseName[]
}

export async function planModel(model: Model, ctx: FindContext, options: PlanOptions = {}): Promise<Plan> {
  const want = new Set(options.phases ?? PHASES)
  const kinds = KINDS.filter((k) => want.has(k.phase))
  const order = dependencyOrder(model).filter((d) => want.has(d.phase))
  const external = new Map<string, string[]>()
  for (const r of model.resources) {
    if (r.external) external.set(r.kind, [...(external.get(r.kind) ?? []), r.external])
  }
  const listed = await listAll(ctx, kinds, external)
  const attrs = new Map<string, Record<string, string>>()
  const claimed = new Set<Actual>()
  const items: PlanItem[] = []
  const refused: Refusal[] = []

  for (const d of order) {
    const kind = kindOf(d.kind)
    const props = mapRefs(d.props, (r) => attrs.get(r.target)?.[r.attr] ?? unknownValue(r))
    const candidates = (listed.get(d.kind) ?? []).filter((a) => !claimed.has(a))
    const actual = kind.match(d, props, candidates)
    if (actual) claimed.add(actual)
    const label = showText(kind.describe(props))
    let action: Action
    let changes: FieldChange[] = []

    if (d.external) {
      if (!actual) {
        refused.push({
          phase: d.phase,
          message: `${d.kind} ${d.external} (given in the spec for ${d.name}) was not found in the account`,
        })
        action = 'refused'
      } else {
        const key = clusterTagKey(ctx.cluster)
        action = actual.tags[key] === 'shared' ? 'none' : 'share'
        if (action === 'share') changes = [{field: `tags.${key}`, old: actual.tags[key], new: 'shared'}]
      }
    } else if (!actual) {
      action = 'create'
    } else {
      const judged = judgeChanges(kind, d, props, actual)
      changes = judged.changes
      action = judged.action
      for (const message of judged.refused) refused.push({phase: d.phase, message})
    }
    if (actual && action !== 'replace') {
      const changing = action === 'update' ? (kind.attrsChangedByUpdate ?? []) : []
      const known = {...actual.attrs}
      for (const a of changing) delete known[a]
      attrs.set(d.name, known)
    }
    const open = kind.openToWorld?.(props) === true
    items.push({
      desired: d,
      kind,
      ...(actual ? {actual} : {}),
      action,
      changes,
      label,
      ...(open ? {openToWorld: true} : {}),
    })
  }

  const deletions: Deletion[] = []
  for (const kind of kinds) {
    if (!kind.prune) continue
    for (const a of listed.get(kind.kind) ?? []) {
      if (claimed.has(a) || a.tags[RESOURCE_TAG] === undefined) continue
      if (kind.ownership === 'tags' && !isOwned(ctx.cluster, a.tags)) continue
      deletions.push({kind, actual: a})
    }
  }
  return {model, items, deletions, refused}
}

/** The part of a plan within the given phases (all when none given). */
export function planForPhases(plan: Plan, phases: readonly PhaseName[] = PHASES): Plan {
  const want = new Set(phases)
  return {
    ...plan,
    items: plan.items.filter((i) => want.has(i.desired.phase)),
    deletions: plan.deletions.filter((d) => want.has(d.kind.phase)),
    refused: plan.refused.filter((r) => want.has(r.phase)),
  }
}

export function planHasChanges(plan: Plan): boolean {
  return plan.deletions.length > 0 || plan.items.some((i) => i.action !== 'none')
}
