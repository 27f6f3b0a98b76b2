/**
 * The CloudFormation target: the same resource model rendered as one stack template. Logical ids
 * come from resource names, Refs become Ref / Fn::GetAtt, explicit ordering becomes DependsOn.
 * Pure and deterministic: the same model gives byte-identical output.
 *
 * No Parameters: the cluster spec is the source of truth, and a value changed at deploy time
 * would be one the direct target and the next export silently disagree with. What the
 * prerequisites phase made before the stack (the cluster key, the state store's objects and the
 * user-data rendered from them) is never part of it: references to those become the literal
 * values found for them, so the stack's user-data is byte for byte the direct target's.
 *
 * The stack never replaces instances by itself (no UpdatePolicy: kforge's rolling-update keeps
 * etcd's quorum), and what holds data outlives it (`retained`).
 */
import {stringify} from 'yaml'
import {KforgeError} from '../../../util/errors.js'
import {dependencyOrder} from '../model/order.js'
import {mapRefs} from '../model/refs.js'
import type {Desired, Model, Ref} from '../model/types.js'
import type {AnyCfnRendering} from './kind.js'
import {CFN_RENDERINGS} from './kinds.js'

/** CloudFormation's limit for a template passed inline (TemplateBody); larger needs TemplateURL. */
export const INLINE_TEMPLATE_LIMIT = 51_200

export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09'
  Description: string
  Metadata: Record<string, unknown>
  Resources: Record<
    string,
    {
      Type: string
      Metadata?: Record<string, unknown>
      Properties: Record<string, unknown>
      DependsOn?: string[]
      DeletionPolicy?: 'Retain'
      UpdateReplacePolicy?: 'Retain'
    }
  >
  Outputs: Record<string, {Description: string; Value: unknown}>
}

/** `subnet-us-east-1a` → `SubnetUsEast1a`. */
export function logicalId(name: string): string {
  const id = name
    .split(/[^a-zA-Z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('')
  if (id === '') throw new KforgeError(`resource name "${name}" gives an empty CloudFormation logical id`)
  return id
}

const NOT_IN_STACK = '⟦not-in-stack:'

const renderings = new Map(CFN_RENDERINGS.map((r) => [r.kind, r]))

function renderingOf(kind: string): AnyCfnRendering {
  const rendering = renderings.get(kind)
  if (!rendering) throw new KforgeError(`resource kind ${kind} has no CloudFormation rendering`)
  return rendering
}

/**
 * Resources that hold data a stack must never destroy: deleting the stack, or a change that
 * replaces one, leaves them in place. Every EBS volume in a stack is one (the model's volumes are
 * etcd's data), and any kind whose rendering says so (`retain`).
 */
export function retained(rendering: AnyCfnRendering, desired: Desired): boolean {
  return rendering.type === 'AWS::EC2::Volume' || rendering.retain?.(desired) === true
}

export interface RenderOptions {
  /**
   * Attributes of the resources made outside the stack (the prerequisites phase), by logical
   * name: a reference to one becomes this literal value. Missing: the export cannot be made.
   */
  literals?: ReadonlyMap<string, Readonly<Record<string, string>>>
}

export function renderTemplate(model: Model, options: RenderOptions = {}): CfnTemplate {
  const byName = new Map(model.resources.map((r) => [r.name, r]))
  const ids = new Map<string, string>()
  const owners = new Map<string, string>()
  for (const r of model.resources) {
    const id = logicalId(r.name)
    const clash = owners.get(id)
    if (clash) throw new KforgeError(`resources ${clash} and ${r.name} both map to logical id ${id}`)
    owners.set(id, r.name)
    ids.set(r.name, id)
  }
  const inStack = new Set(
    model.resources
      .filter(
        (r) =>
          !r.external && r.phase !== 'prerequisites' && renderingOf(r.kind).render(r.props, r) !== undefined,
      )
      .map((r) => r.name),
  )

  const render = (value: unknown): unknown =>
    mapRefs(value, (ref: Ref) => {
      const target = byName.get(ref.target)
      if (!target) throw new KforgeError(`a reference to ${ref.target}, which the model does not have`)
      // The user's own resources are named by id.
      if (target.external) return target.external
      const literal =
        target.phase === 'prerequisites' ? options.literals?.get(target.name)?.[ref.attr] : undefined
      if (literal !== undefined) return literal
      if (!inStack.has(target.name)) return `${NOT_IN_STACK}${target.name}⟧`
      const how = renderingOf(target.kind).attr(ref.attr)
      const id = ids.get(target.name)!
      return how === 'Ref' ? {Ref: id} : {'Fn::GetAtt': [id, how.getAtt]}
    })

  const resources: CfnTemplate['Resources'] = {}
  // Dependency order: CloudFormation does not need it, but a reader (and the emulator) does.
  for (const r of dependencyOrder(model)) {
    if (!inStack.has(r.name)) continue
    const rendering = renderingOf(r.kind)
    const body = rendering.render(render(r.props), r)!
    const text = JSON.stringify(body)
    if (text.includes(NOT_IN_STACK)) {
      throw new KforgeError(`${r.kind} ${r.name} refers to a resource that is not part of the stack`)
    }
    const dependsOn = (r.dependsOn ?? []).filter((d) => inStack.has(d)).map((d) => ids.get(d)!)
    resources[ids.get(r.name)!] = {
      Type: rendering.type,
      ...(body.Metadata ? {Metadata: body.Metadata} : {}),
      Properties: dropUndefined(body.Properties),
      ...(dependsOn.length > 0 ? {DependsOn: dependsOn} : {}),
      ...(retained(rendering, r) ? {DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain'} : {}),
    }
  }

  const outputs: CfnTemplate['Outputs'] = {}
  for (const o of model.outputs) {
    const value = render(o.value)
    if (JSON.stringify(value).includes(NOT_IN_STACK)) continue
    outputs[logicalId(o.name)] = {Description: o.description, Value: value}
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `kforge cluster ${model.cluster}: network, security and instance groups`,
    // The zones are the spec's choice (cloud.aws.zones), not an accident of hard-coding.
    Metadata: {'cfn-lint': {config: {ignore_checks: ['W3010']}}},
    Resources: resources,
    Outputs: outputs,
  }
}

function dropUndefined(props: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(props)) as Record<string, unknown>
}

export type TemplateFormat = 'json' | 'yaml'

export function serializeTemplate(template: CfnTemplate, format: TemplateFormat): string {
  return format === 'json' ? `${JSON.stringify(template, null, 2)}\n` : stringify(template, {lineWidth: 0})
}
