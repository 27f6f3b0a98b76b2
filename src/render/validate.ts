/**
 * Structural validation of rendered cloud-config, as kube-aws did for its userdata: parse the YAML,
 * then report duplicate and unknown keys (with the nearest known one), values of the wrong type,
 * and documents too large for EC2 user-data, each as `userdata/<group>: line N: <problem>`.
 * `validateClusterUserData` is what `kforge validate -f` (and every apply) calls.
 */
import {isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap} from 'yaml'
import {suggest} from '../api/problems.js'
import type {Cluster} from '../api/v1alpha1/types.js'
import {errorMessage} from '../util/errors.js'
import {KEY_SHAPES, type Shape, TOP_LEVEL_KEYS} from './cloud-config-schema.js'
import {placeholderAssets} from './placeholder.js'
import {renderUserData, UserDataTooLargeError} from './render.js'
import {type ClusterAssets, type RenderedUserData, USER_DATA_LIMIT} from './types.js'

const HEADER = '#cloud-config'

/** The name problems carry for one group's user-data. */
export function userDataFile(group: string): string {
  return `userdata/${group}`
}

class Report {
  readonly problems: string[] = []
  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  at(offset: number | undefined, message: string): void {
    const line = offset === undefined ? undefined : this.lines.linePos(offset).line
    this.problems.push(`${this.file}: ${line === undefined ? '' : `line ${line}: `}${message}`)
  }
}

function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  if (isScalar(node)) {
    const v = node.value
    if (v === null) return 'null'
    if (typeof v === 'number') return Number.isInteger(v) ? `an integer (${v})` : `a number (${v})`
    if (typeof v === 'boolean') return `a boolean (${v})`
    return `a string (${JSON.stringify(String(v).length > 40 ? `${String(v).slice(0, 37)}...` : v)})`
  }
  return 'nothing'
}

function expected(shape: Shape): string {
  switch (shape.type) {
    case 'string':
      return shape.enum ? `one of ${shape.enum.map((e) => JSON.stringify(e)).join(', ')}` : 'a string'
    case 'boolean':
      return 'a boolean'
    case 'integer':
      return 'an integer'
    case 'null':
      return 'null'
    case 'any':
      return 'anything'
    case 'list': {
      const item = shape.items
      const simple = {
        string: 'strings',
        boolean: 'booleans',
        integer: 'integers',
        map: 'mappings',
        object: 'mappings',
      }
      if (item.type in simple && !(item.type === 'string' && item.enum)) {
        return `a list of ${simple[item.type as keyof typeof simple]}`
      }
      return `a list (each item ${expected(item)})`
    }
    case 'map':
    case 'object':
      return 'a mapping'
    case 'oneOf':
      return shape.options.map(expected).join(' or ')
    default: {
      const never: never = shape
      return String(never)
    }
  }
}

function offsetOf(node: unknown): number | undefined {
  return (node as {range?: [number, number, number]} | null)?.range?.[0]
}

/** Whether a scalar node is of a scalar shape. */
function scalarFits(node: Node | null | undefined, shape: Shape): boolean {
  if (!isScalar(node)) return false
  const value = node.value
  switch (shape.type) {
    case 'string':
      return typeof value === 'string' && (!shape.enum || shape.enum.includes(value))
    case 'boolean':
      return typeof value === 'boolean'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'null':
      return value === null
    default:
      return false
  }
}

function checkObject(
  node: YAMLMap,
  shape: Extract<Shape, {type: 'object'}>,
  path: string,
  report: Report,
): void {
  const known = Object.keys(shape.fields)
  const seen = new Set<string>()
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?'
    seen.add(key)
    const field = shape.fields[key]
    if (field) {
      check(pair.value as Node, field, `${path}.${key}`, report)
    } else {
      const hint = suggest(key, known)
      report.at(
        offsetOf(pair.key),
        `${path}: unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      )
    }
  }
  for (const required of shape.required ?? []) {
    if (!seen.has(required)) report.at(offsetOf(node), `${path}: missing required key "${required}"`)
  }
}

/** Report every way `node` (at `path`) does not fit `shape`. */
function check(node: Node | null | undefined, shape: Shape, path: string, report: Report): void {
  const wrong = (): void =>
    report.at(offsetOf(node), `${path}: expected ${expected(shape)}, got ${describe(node)}`)
  if (shape.type === 'any') return
  if (shape.type === 'list') {
    if (!isSeq(node)) wrong()
    else
      node.items.forEach((item, i) => {
        check(item as Node, shape.items, `${path}[${i}]`, report)
      })
  } else if (shape.type === 'map') {
    if (!isMap(node)) wrong()
    else
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?'
        check(pair.value as Node, shape.values, `${path}.${key}`, report)
      }
  } else if (shape.type === 'object') {
    if (!isMap(node)) wrong()
    else checkObject(node, shape, path, report)
  } else if (shape.type === 'oneOf') {
    // The first option without problems wins.
    const fits = shape.options.some((option) => {
      const trial = new Report('', new LineCounter())
      check(node, option, path, trial)
      return trial.problems.length === 0
    })
    if (fits) return
    // A mapping or list that fits no option: report what is wrong inside the option of its kind.
    const sameKind = shape.options.find((o) =>
      isMap(node) ? o.type === 'object' || o.type === 'map' : isSeq(node) && o.type === 'list',
    )
    if (sameKind) check(node, sameKind, path, report)
    else wrong()
  } else if (!scalarFits(node, shape)) {
    wrong()
  }
}

/** Structural problems of one cloud-config document, as `<file>: line N: <problem>`. */
export function validateCloudConfig(text: string, file: string): string[] {
  const lines = new LineCounter()
  const report = new Report(file, lines)
  const doc = parseDocument(text, {lineCounter: lines, uniqueKeys: true, prettyErrors: false})
  if (!text.startsWith(`${HEADER}\n`)) {
    report.at(0, `a cloud-config must start with a "${HEADER}" line`)
  }
  for (const error of doc.errors) {
    const message =
      error.code === 'DUPLICATE_KEY' ? 'duplicate key (each key may appear once)' : error.message
    report.at(error.pos[0], message.split('\n')[0]!)
  }
  if (doc.errors.length > 0) return report.problems
  const root = doc.contents
  if (!isMap(root)) {
    report.at(
      offsetOf(root) ?? 0,
      `the document must be a mapping of cloud-config keys, not ${describe(root)}`,
    )
    return report.problems
  }
  const known = [...TOP_LEVEL_KEYS]
  for (const pair of root.items) {
    if (!isPair(pair)) continue
    const key = isScalar(pair.key) ? String(pair.key.value) : '?'
    if (!TOP_LEVEL_KEYS.has(key)) {
      const hint = suggest(key, known)
      report.at(offsetOf(pair.key), `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`)
      continue
    }
    const shape = KEY_SHAPES[key]
    if (shape) check(pair.value as Node, shape, key, report)
  }
  return report.problems
}

/** The line at which `text` passes `limit` bytes. */
function lineAtByte(text: string, limit: number): number {
  const head = Buffer.from(text, 'utf8').subarray(0, limit).toString('utf8')
  return head.split('\n').length
}

/** Problems of one rendered group: its full cloud-config, and the size of what EC2 receives. */
export function validateRendered(rendered: RenderedUserData): string[] {
  const file = userDataFile(rendered.group)
  const problems = validateCloudConfig(rendered.cloudConfig, file)
  if (rendered.userData.length > USER_DATA_LIMIT) {
    problems.push(
      `${file}: line ${lineAtByte(rendered.cloudConfig, USER_DATA_LIMIT)}: the user-data is ` +
        `${rendered.userData.length} bytes, over EC2's ${USER_DATA_LIMIT}-byte limit`,
    )
  }
  if (rendered.delivery === 'stub')
    problems.push(...validateCloudConfig(rendered.userData.toString('utf8'), `${file} (stub)`))
  return problems
}

export interface ValidateUserDataOptions {
  /** The real assets; default: placeholders of realistic size (no KMS, no state store needed). */
  assets?: ClusterAssets
  /**
   * Where instances would fetch an oversized cloud-config from. Default: an s3:// placeholder;
   * pass the real `--state` so a local store reports what cannot be delivered.
   */
  stateStore?: string
}

/**
 * Render every instance group's user-data and check it. Returns every problem found (empty when
 * all is well); each names `userdata/<group>` and, where it has one, the line.
 */
export function validateClusterUserData(cluster: Cluster, options: ValidateUserDataOptions = {}): string[] {
  const assets =
    options.assets ??
    placeholderAssets(cluster, options.stateStore === undefined ? {} : {stateStore: options.stateStore})
  const problems: string[] = []
  for (const group of cluster.instanceGroups) {
    let rendered: RenderedUserData
    try {
      rendered = renderUserData({cluster, group, assets})
    } catch (err) {
      const file = userDataFile(group.name)
      if (err instanceof UserDataTooLargeError) {
        // Point at the line where the document crosses the limit; check its structure as well.
        problems.push(...validateCloudConfig(err.cloudConfig, file))
        const line = lineAtByte(err.cloudConfig, USER_DATA_LIMIT)
        problems.push(`${file}: line ${line}: ${err.message.slice(`${file}: `.length)}`)
        continue
      }
      const message = errorMessage(err)
      problems.push(message.startsWith(`${file}:`) ? message : `${file}: ${message}`)
      continue
    }
    problems.push(...validateRendered(rendered))
  }
  return problems
}
