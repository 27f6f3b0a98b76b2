/** The plan as a user reads it (`Will create` / `Will modify` field by field / `Will delete`), and as data. */
import {showValue} from '../model/refs.js'
import type {Actual} from '../model/types.js'
import type {Deletion, Plan, PlanItem} from './plan.js'

export function actualLabel(kind: string, a: Actual): string {
  const name = a.tags.Name
  return `${kind} ${a.id}${name && name !== a.id ? ` (${name})` : ''}`
}

function itemLine(i: PlanItem): string {
  return `${i.kind.kind} ${i.desired.name}${i.label ? `: ${i.label}` : ''}`
}

function changeLines(i: PlanItem): string[] {
  return i.changes.map((c) => `      ${c.field}: ${showValue(c.old)} -> ${showValue(c.new)}`)
}

export function formatPlan(plan: Plan): string {
  const lines: string[] = []
  const section = (title: string, body: string[]) => {
    if (body.length > 0) lines.push(title, ...body, '')
  }
  const of = (action: PlanItem['action']) => plan.items.filter((i) => i.action === action)
  section(
    'Will create:',
    of('create').map((i) => `  + ${itemLine(i)}`),
  )
  section(
    'Will modify:',
    of('update').flatMap((i) => [`  ~ ${itemLine(i)}`, ...changeLines(i)]),
  )
  section(
    'Will replace (delete, then create):',
    of('replace').flatMap((i) => [`  ± ${itemLine(i)}`, ...changeLines(i)]),
  )
  section(
    'Will tag as shared (otherwise untouched):',
    of('share').map((i) => `  ~ ${i.kind.kind} ${i.desired.external}`),
  )
  section(
    'Will delete:',
    plan.deletions.map((d) => `  - ${actualLabel(d.kind.kind, d.actual)}`),
  )
  section(
    'Cannot apply:',
    plan.refused.map((r) => `  ! ${r.message}`),
  )
  const unchanged = of('none').length
  if (lines.length === 0) lines.push(`No changes: ${unchanged} resources are up to date.`)
  else lines.push(`${unchanged} resources unchanged.`)
  // Every rule open to the whole internet, new or kept, so an operator sees the exposure each run.
  const open = plan.items.filter((i) => i.openToWorld && i.action !== 'refused')
  if (open.length > 0) {
    lines.push('', 'Open to the internet (0.0.0.0/0):', ...open.map((i) => `  ! ${itemLine(i)}`))
  }
  return `${lines.join('\n')}\n`
}

export interface PlanData {
  create: {kind: string; name: string; description: string}[]
  modify: {kind: string; name: string; id: string; changes: {field: string; old: unknown; new: unknown}[]}[]
  replace: {kind: string; name: string; id: string; changes: {field: string; old: unknown; new: unknown}[]}[]
  share: {kind: string; id: string}[]
  delete: {kind: string; id: string; name?: string}[]
  refused: string[]
  unchanged: number
}

export function planData(plan: Plan): PlanData {
  const of = (action: PlanItem['action']) => plan.items.filter((i) => i.action === action)
  const changed = (i: PlanItem) => ({
    kind: i.kind.kind,
    name: i.desired.name,
    id: i.actual?.id ?? '',
    changes: i.changes.map((c) => ({field: c.field, old: showValue(c.old), new: showValue(c.new)})),
  })
  return {
    create: of('create').map((i) => ({kind: i.kind.kind, name: i.desired.name, description: i.label})),
    modify: of('update').map(changed),
    replace: of('replace').map(changed),
    share: of('share').map((i) => ({kind: i.kind.kind, id: i.desired.external ?? ''})),
    delete: plan.deletions.map((d: Deletion) => ({
      kind: d.kind.kind,
      id: d.actual.id,
      ...(d.actual.tags.Name ? {name: d.actual.tags.Name} : {}),
    })),
    refused: plan.refused.map((r) => r.message),
    unchanged: of('none').length,
  }
}
