/**
 * Shapes: the one description of a document's fields from which kforge derives what it checks and
 * what it publishes. `checkShape` reports unknown fields (with the nearest known name), wrong types,
 * values outside an enum and missing required fields, each at its field path; `jsonSchemaOf` writes
 * the same shape as JSON Schema (draft 2020-12) for editors and CI; `Infer` is the TypeScript type
 * of a value that passed the check. Version-independent: the kforge.dev/v1alpha1 shapes and
 * kubeadm's config shapes are both built from these.
 */
import {type Path, type Problems, type Subject, suggest} from './problems.js'

/** `description` goes to the JSON Schema (and the spec reference generated from it). */
export type Shape =
  /** `hint` is added to a wrong-type message, for fields users often write in the wrong form. */
  /**
   * `retired`: values an earlier kforge accepted, each with why it went and what to use instead;
   * the check gives that message rather than a bare "not one of" (not in the JSON Schema's enum).
   */
  | {
      type: 'string'
      enum?: readonly string[]
      hint?: string
      description?: string
      retired?: Readonly<Record<string, string>>
    }
  | {type: 'integer'; description?: string}
  | {type: 'boolean'; description?: string}
  | {type: 'list'; items: Shape; description?: string}
  | {type: 'map'; values: Shape; description?: string}
  | {
      type: 'object'
      fields: Readonly<Record<string, Shape>>
      required?: readonly string[]
      description?: string
    }

export const str = {type: 'string'} as const
export const int = {type: 'integer'} as const
export const bool = {type: 'boolean'} as const
export const strings = {type: 'list', items: str} as const
export const stringMap = {type: 'map', values: str} as const

export function oneOf<const V extends readonly string[]>(values: V): {type: 'string'; enum: V} {
  return {type: 'string', enum: values}
}

export function listOf<const S extends Shape>(items: S): {type: 'list'; items: S} {
  return {type: 'list', items}
}

export function obj<
  const F extends Readonly<Record<string, Shape>>,
  const R extends readonly (keyof F & string)[] = readonly [],
>(fields: F, required?: R): {type: 'object'; fields: F; required: R} {
  return {type: 'object', fields, required: (required ?? []) as R}
}

/** The same shape with a description (for the JSON Schema and the generated reference). */
export function described<S extends Shape>(description: string, shape: S): S {
  return {...shape, description}
}

type Simplify<T> = {[K in keyof T]: T[K]} & {}

/** The TypeScript type of a value that passed `checkShape(value, S)` (nulls dropped). */
export type Infer<S> = S extends {type: 'string'; enum: readonly (infer E)[]}
  ? E
  : S extends {type: 'string'}
    ? string
    : S extends {type: 'integer'}
      ? number
      : S extends {type: 'boolean'}
        ? boolean
        : S extends {type: 'list'; items: infer I}
          ? Infer<I>[]
          : S extends {type: 'map'; values: infer V}
            ? Record<string, Infer<V>>
            : S extends {type: 'object'; fields: infer F; required: infer L extends readonly string[]}
              ? Simplify<
                  {-readonly [K in keyof F as K extends RequiredKeys<L> ? K : never]: Infer<F[K]>} & {
                    -readonly [K in keyof F as K extends RequiredKeys<L> ? never : K]?: Infer<F[K]>
                  }
                >
              : never

/** The required field names of a literal list; none when the list is not a literal (`obj(fields)`). */
type RequiredKeys<L extends readonly string[]> = number extends L['length'] ? never : L[number]

/** A JSON Schema (draft 2020-12) object, as plain data. */
export type JsonSchema = Record<string, unknown>

/**
 * `shape` as JSON Schema: unknown fields refused (`additionalProperties: false`), enums and required
 * fields as the check has them. Rules a shape does not hold (semantic validation) are not in it.
 */
export function jsonSchemaOf(shape: Shape): JsonSchema {
  const description = shape.description ? {description: shape.description} : {}
  switch (shape.type) {
    case 'string':
      return {type: 'string', ...(shape.enum ? {enum: [...shape.enum]} : {}), ...description}
    case 'integer':
      return {type: 'integer', ...description}
    case 'boolean':
      return {type: 'boolean', ...description}
    case 'list':
      return {type: 'array', items: jsonSchemaOf(shape.items), ...description}
    case 'map':
      return {type: 'object', additionalProperties: jsonSchemaOf(shape.values), ...description}
    case 'object':
      return {
        type: 'object',
        ...description,
        properties: Object.fromEntries(Object.entries(shape.fields).map(([k, v]) => [k, jsonSchemaOf(v)])),
        ...(shape.required && shape.required.length > 0 ? {required: [...shape.required]} : {}),
        additionalProperties: false,
      }
    default: {
      const never: never = shape
      throw new Error(`unhandled shape ${JSON.stringify(never)}`)
    }
  }
}

/** How a value reads in a message: `string "3"`, `number 3.5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`
  return `${typeof value} ${String(value)}`
}

const EXPECTED: Record<Shape['type'], string> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'true or false',
  list: 'a list',
  map: 'a mapping',
  object: 'a mapping',
}

function hasType(value: unknown, shape: Shape): boolean {
  switch (shape.type) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'list':
      return Array.isArray(value)
    case 'map':
    case 'object':
      return isPlainObject(value)
    default: {
      const never: never = shape
      throw new Error(`unhandled shape ${JSON.stringify(never)}`)
    }
  }
}

/** Report every place `value` departs from `shape`. Null counts as absent, as kubectl treats it. */
export function checkShape(
  value: unknown,
  shape: Shape,
  at: Path,
  subject: Subject,
  problems: Problems,
): void {
  if (!hasType(value, shape)) {
    const scalar = typeof value === 'number' || typeof value === 'boolean'
    const hint =
      shape.type !== 'string'
        ? ''
        : shape.hint !== undefined
          ? ` (${shape.hint})`
          : scalar
            ? ` (quote it: "${String(value)}")`
            : ''
    problems.fieldError(subject, at, `expected ${EXPECTED[shape.type]}, got ${describeValue(value)}${hint}`)
  } else if (shape.type === 'string' && shape.enum && !shape.enum.includes(value as string)) {
    const retired = shape.retired?.[value as string]
    if (retired !== undefined) {
      problems.fieldError(subject, at, `"${value}" is no longer supported: ${retired}`)
      return
    }
    const near = suggest(value as string, shape.enum)
    const hint = near ? ` (did you mean "${near}"?)` : ''
    problems.fieldError(subject, at, `"${value}" is not one of ${shape.enum.join(', ')}${hint}`)
  } else if (shape.type === 'list') {
    ;(value as unknown[]).forEach((item, i) => {
      checkShape(item, shape.items, [...at, i], subject, problems)
    })
  } else if (shape.type === 'map') {
    for (const [k, v] of Object.entries(value as object))
      checkShape(v, shape.values, [...at, k], subject, problems)
  } else if (shape.type === 'object') {
    checkFields(value as Record<string, unknown>, shape, at, subject, problems)
  }
}

function checkFields(
  value: Record<string, unknown>,
  shape: Extract<Shape, {type: 'object'}>,
  at: Path,
  subject: Subject,
  problems: Problems,
): void {
  const known = Object.keys(shape.fields)
  for (const [k, v] of Object.entries(value)) {
    const field = shape.fields[k]
    if (!field) {
      const near = suggest(k, known)
      const hint = near ? `did you mean "${near}"?` : `expected one of ${known.join(', ')}`
      problems.fieldError(subject, [...at, k], `unknown field (${hint})`)
    } else if (v !== null && v !== undefined) {
      checkShape(v, field, [...at, k], subject, problems)
    }
  }
  for (const k of shape.required ?? []) {
    if (value[k] === null || value[k] === undefined)
      problems.fieldError(subject, [...at, k], 'required field is missing')
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Drop nulls recursively so later stages see absent fields the way the shape check did. */
export function dropNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(dropNulls) as T
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = dropNulls(v)
    return out as T
  }
  return value
}
