/**
 * Apply a plan: every changed resource once what it refers to exists, independent branches in
 * parallel (bounded), each Ref resolved to the real id just before the call. Values unknown at plan
 * time are re-diffed once known, so what runs is exactly the difference. Then the prunes.
 */
import {KforgeError} from '../../../util/errors.js'
import {runGraph} from '../model/concurrency.js'
import {dependenciesOf} from '../model/order.js'
import {hasUnknown, mapRefs, showText, unknownValue} from '../model/refs.js'
import type {ApplyContext, PhaseName} from '../model/types.js'
import {PHASES} from '../model/types.js'
import {clusterTagKey} from '../tags.js'
import {deleteResources} from './delete.js'
import {isImmutableChange, type Plan, type PlanItem, planForPhases} from './plan.js'
import {type Progress, seconds} from './progress.js'

export interface ApplyOptions {
  /** Only these phases (`--phase`). Default: all */
  phases?: readonly PhaseName[]
  /**
   * Carries ids between calls that apply one phase each (the workflow's network, security and
   * cluster phases). Default: a fresh one.
   */
  state?: ApplyState
  /** Delete what the plan prunes in these phases. Default: `phases` */
  prunePhases?: readonly PhaseName[]
  /** Default: 8 */
  concurrency?: number
  progress?: Progress
}

export interface ApplyResult {
  created: number
  updated: number
  deleted: number
}

export interface ApplyState {
  /** Logical name → attributes of what exists (found at plan time, or made since). */
  attrs: Map<string, Record<string, string>>
}

export function newApplyState(plan: Plan): ApplyState {
  const attrs = new Map<string, Record<string, string>>()
  for (const i of plan.items)
    if (i.actual && i.action !== 'replace') attrs.set(i.desired.name, i.actual.attrs)
  return {attrs}
}

/**
 * What the changes in `phases` need that neither exists nor is made in those phases (a later
 * phase applied before an earlier one), one message per need, naming the phase to run first.
 */
export function missingPrerequisites(
  plan: Plan,
  options: {phases: readonly PhaseName[]; attrs?: ReadonlyMap<string, Record<string, string>>},
): string[] {
  const attrs = options.attrs ?? newApplyState(plan).attrs
  const scoped = planForPhases(plan, options.phases)
  const work = scoped.items.filter((i) => i.action !== 'none')
  const changing = new Set(work.map((i) => i.desired.name))
  const inPlan = new Map(plan.items.map((i) => [i.desired.name, i]))
  const missing: string[] = []
  for (const i of work) {
    // A Ref to an attribute the resource does not have yet (the prerequisites' user-data while
    // objects are missing) is as missing as the resource.
    const lacking = new Set<string>()
    mapRefs(i.desired.props, (r) => {
      if (attrs.has(r.target) && attrs.get(r.target)![r.attr] === undefined) lacking.add(r.target)
      return undefined
    })
    for (const dep of dependenciesOf(i.desired)) {
      if (!changing.has(dep) && (!attrs.has(dep) || lacking.has(dep))) {
        const phase = inPlan.get(dep)?.desired.phase ?? 'network'
        missing.push(
          `${i.desired.kind} ${i.desired.name} needs ${dep}, which does not exist yet: ` +
            `apply the ${phase} phase first (--phase ${phase})`,
        )
      }
    }
  }
  return missing
}

export async function applyPlan(
  plan: Plan,
  ctx: ApplyContext,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const scoped = planForPhases(plan, options.phases ?? PHASES)
  if (scoped.refused.length > 0) {
    throw new KforgeError(
      `the plan cannot be applied:\n${scoped.refused.map((r) => `  ${r.message}`).join('\n')}`,
    )
  }
  const progress = options.progress ?? (() => {})
  const {attrs} = options.state ?? newApplyState(plan)

  const work = scoped.items.filter((i) => i.action !== 'none')
  const byName = new Map(work.map((i) => [i.desired.name, i]))
  const missing = missingPrerequisites(plan, {phases: options.phases ?? PHASES, attrs})
  if (missing.length > 0) throw new KforgeError(missing.join('\n'))

  const result: ApplyResult = {created: 0, updated: 0, deleted: 0}
  const run = async (name: string) => {
    const item = byName.get(name)!
    const outcome = await applyOne(item, ctx, attrs, progress)
    if (outcome === 'created') result.created++
    if (outcome === 'updated') result.updated++
  }
  try {
    await runGraph(
      work.map((i) => ({name: i.desired.name, deps: dependenciesOf(i.desired)})),
      options.concurrency ?? 8,
      run,
    )
  } catch (err) {
    if (err instanceof AggregateError) {
      throw new KforgeError(err.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n'))
    }
    throw err
  }
  const prunes = planForPhases(plan, options.prunePhases ?? options.phases ?? PHASES).deletions
  if (prunes.length > 0) {
    result.deleted = await deleteResources(prunes, ctx, {progress, concurrency: options.concurrency ?? 8})
  }
  return result
}

async function applyOne(
  item: PlanItem,
  ctx: ApplyContext,
  attrs: Map<string, Record<string, string>>,
  progress: Progress,
): Promise<'created' | 'updated' | 'none'> {
  const {desired: d, kind} = item
  const props = mapRefs(d.props, (r) => attrs.get(r.target)?.[r.attr] ?? unknownValue(r))
  const what = `${d.kind} ${d.name}`
  if (hasUnknown(props)) {
    throw new KforgeError(
      `${what}: ${showText(JSON.stringify(props))} still refers to something without an id`,
    )
  }
  const started = performance.now()
  const fail = (err: unknown): never => {
    const message = err instanceof Error ? err.message : String(err)
    progress(`  ! ${what}: failed: ${message}`)
    throw err instanceof KforgeError ? err : new KforgeError(`${what}: ${message}`, {cause: err})
  }
  try {
    switch (item.action) {
      case 'create': {
        progress(`  + ${what}: creating`)
        const a = await kind.create(ctx, d, props)
        attrs.set(d.name, a.attrs)
        progress(`  + ${what}: created ${a.id} (${seconds(started)})`)
        return 'created'
      }
      case 'update': {
        const changes = kind.diff(props, item.actual!)
        const immutable = changes.filter((c) => isImmutableChange(kind, c))
        if (immutable.length > 0) {
          throw new KforgeError(`${immutable.map((c) => c.field).join(', ')} cannot change in place`)
        }
        if (changes.length === 0) return 'none'
        progress(`  ~ ${what}: modifying ${changes.map((c) => c.field).join(', ')}`)
        const a = await kind.update(ctx, d, props, item.actual!, changes)
        attrs.set(d.name, a.attrs)
        progress(`  ~ ${what}: modified ${a.id} (${seconds(started)})`)
        return 'updated'
      }
      case 'replace': {
        progress(`  ± ${what}: replacing ${item.actual!.id}`)
        await kind.delete(ctx, item.actual!)
        const a = await kind.create(ctx, d, props)
        attrs.set(d.name, a.attrs)
        progress(`  ± ${what}: replaced by ${a.id} (${seconds(started)})`)
        return 'created'
      }
      case 'share': {
        if (!kind.tagShared) throw new KforgeError(`${d.kind} cannot be a shared resource`)
        await kind.tagShared(ctx, item.actual!, {[clusterTagKey(ctx.cluster)]: 'shared'})
        progress(`  ~ ${what}: tagged ${item.actual!.id} as shared`)
        return 'updated'
      }
      default:
        return 'none'
    }
  } catch (err) {
    return fail(err)
  }
}
