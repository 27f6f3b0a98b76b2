/**
 * A stack's plan in the direct target's terms, so `formatPlan` and `planData` print it the same
 * way ("Will create", "Will modify" field by field, "Will delete"). A new stack is planned from the
 * model alone (a CREATE change set would leave a REVIEW_IN_PROGRESS stack behind); an existing one
 * from a change set: CloudFormation says which resources change and whether they are replaced,
 * and the fields that change are read from the stack's current template against the new one (with
 * CloudFormation's own before/after values where it gives them).
 */
import type {Change, ResourceChange} from '@aws-sdk/client-cloudformation'
import type {Deletion, Plan, PlanItem, Refusal} from '../direct/plan.js'
import {mapRefs, showText, unknownValue} from '../model/refs.js'
import type {Actual, AnyDiscoverable, Desired, FieldChange, Model} from '../model/types.js'
import {kindOf} from '../resources/index.js'
import {CFN_RENDERINGS} from './kinds.js'
import {type CfnTemplate, logicalId} from './template.js'

type Resources = CfnTemplate['Resources']

function label(kind: ReturnType<typeof kindOf>, d: Desired): string {
  // Before apply nothing a Ref points at is known: shown as `<logical name>`.
  return showText(kind.describe(mapRefs(d.props, unknownValue)))
}

/** Model resources by the logical id the template gives them. */
function byLogicalId(model: Model): Map<string, Desired> {
  return new Map(model.resources.map((r) => [logicalId(r.name), r]))
}

function item(d: Desired, action: PlanItem['action'], changes: FieldChange[] = []): PlanItem {
  const kind = kindOf(d.kind)
  return {desired: d, kind, action, changes, label: label(kind, d)}
}

/** Every resource in the new stack is created. */
export function planNewStack(model: Model, template: CfnTemplate): Plan {
  const desired = byLogicalId(model)
  const items = Object.keys(template.Resources).map((id) => item(desired.get(id)!, 'create'))
  return {model, items, deletions: [], refused: []}
}

/** `Tags: [{Key, Value}]` as `Tags.<Key>`, other objects by key, other arrays as one value. */
function leaves(value: unknown, path: string, out: Map<string, unknown>): void {
  if (Array.isArray(value)) {
    const tagged = value.every(
      (v) => v !== null && typeof v === 'object' && 'Key' in v && typeof v.Key === 'string',
    )
    if (!tagged || value.length === 0) {
      out.set(path, value)
      return
    }
    for (const v of value as {Key: string; Value?: unknown}[]) {
      const {Key, ...rest} = v
      leaves(Object.keys(rest).length === 1 && 'Value' in rest ? rest.Value : rest, `${path}.${Key}`, out)
    }
    return
  }
  if (value !== null && typeof value === 'object' && !isIntrinsic(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out)
    return
  }
  out.set(path, value)
}

/** `{Ref: X}` and `{Fn::GetAtt: [...]}` are values, not structure. */
function isIntrinsic(value: object): boolean {
  const keys = Object.keys(value)
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))
}

/** Field-by-field differences of one resource between two templates (properties and DependsOn). */
export function templateChanges(
  before: Resources[string] | undefined,
  after: Resources[string] | undefined,
): FieldChange[] {
  const a = new Map<string, unknown>()
  const b = new Map<string, unknown>()
  leaves(before?.Properties ?? {}, '', a)
  leaves(after?.Properties ?? {}, '', b)
  if (before?.DependsOn || after?.DependsOn) {
    a.set('DependsOn', before?.DependsOn)
    b.set('DependsOn', after?.DependsOn)
  }
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort()
  return fields
    .filter((f) => JSON.stringify(a.get(f)) !== JSON.stringify(b.get(f)))
    .map((field) => ({field, old: a.get(field), new: b.get(field)}))
}

/** What CloudFormation itself reports, for fields the template diff does not show (a Ref that changes). */
function detailChanges(rc: ResourceChange, known: readonly FieldChange[]): FieldChange[] {
  const out: FieldChange[] = []
  for (const d of rc.Details ?? []) {
    const field = d.Target?.Path?.replace(/^\/Properties\//, '').replaceAll('/', '.') ?? d.Target?.Name
    if (!field || known.some((k) => k.field === field || k.field.startsWith(`${field}.`))) continue
    if (out.some((o) => o.field === field)) continue
    out.push({
      field,
      old: d.Target?.BeforeValue ?? '(as it is)',
      new: d.Target?.AfterValue ?? `(re-evaluated: ${d.CausingEntity ?? d.ChangeSource ?? 'a dependency'})`,
    })
  }
  return out
}

const KIND_OF_TYPE = new Map(CFN_RENDERINGS.map((r) => [r.type, r.kind]))
const RENDERING_OF_KIND = new Map(CFN_RENDERINGS.map((r) => [r.kind, r]))

/** A resource the stack has and the new template does not: CloudFormation deletes it. */
function removal(rc: ResourceChange): Deletion {
  const known = KIND_OF_TYPE.get(rc.ResourceType ?? '')
  const kind: AnyDiscoverable = known
    ? kindOf(known)
    : {
        // A type kforge no longer renders (a stack made by an older kforge): CloudFormation removes it.
        kind: rc.ResourceType ?? 'resource',
        phase: 'cluster',
        deleteAfter: [],
        ownership: 'parent',
        list: async () => [],
        delete: async () => {},
      }
  const actual: Actual = {
    id: rc.PhysicalResourceId ?? rc.LogicalResourceId ?? '',
    attrs: {},
    tags: rc.LogicalResourceId ? {Name: rc.LogicalResourceId} : {},
  }
  return {kind, actual}
}

/** The plan of an update, from its change set and the stack's current template. */
export function planStackUpdate(
  model: Model,
  template: CfnTemplate,
  current: CfnTemplate,
  changes: readonly Change[],
): Plan {
  const desired = byLogicalId(model)
  const byId = new Map<string, ResourceChange>()
  for (const c of changes) {
    const rc = c.ResourceChange
    if (rc?.LogicalResourceId) byId.set(rc.LogicalResourceId, rc)
  }
  const items: PlanItem[] = []
  const refused: Refusal[] = []
  for (const id of Object.keys(template.Resources)) {
    const d = desired.get(id)!
    const rc = byId.get(id)
    if (!rc) {
      items.push(item(d, 'none'))
      continue
    }
    if (rc.Action === 'Add') {
      items.push(item(d, 'create'))
      continue
    }
    const fields = templateChanges(current.Resources[id], template.Resources[id])
    const all = [...fields, ...detailChanges(rc, fields)]
    const own =
      RENDERING_OF_KIND.get(d.kind)?.refusals?.(
        d.name,
        current.Resources[id]?.Properties ?? {},
        template.Resources[id]?.Properties ?? {},
      ) ?? []
    for (const r of own) refused.push({phase: d.phase, message: r.message})
    items.push(item(d, own.length > 0 ? 'refused' : rc.Replacement === 'True' ? 'replace' : 'update', all))
  }
  const deletions = [...byId.values()].filter((rc) => rc.Action === 'Remove').map(removal)
  return {model, items, deletions, refused}
}
