/**
 * The shape of every kforge.dev/v1alpha1 object: which fields exist, their types and allowed
 * values. `checkShape` reports unknown fields (with the nearest known name), wrong types, values
 * outside an enum and missing required fields; semantic rules live in validate*.ts.
 * Keep in step with types.ts (the round-trip tests render every field and check it back).
 */
import {type Path, type Problems, type Subject, suggest} from '../problems.js'
import {MIRROR_ARTIFACTS} from './types.js'

export type Shape =
  /** `hint` is added to a wrong-type message, for fields users often write in the wrong form. */
  | {type: 'string'; enum?: readonly string[]; hint?: string}
  | {type: 'integer'}
  | {type: 'boolean'}
  | {type: 'list'; items: Shape}
  | {type: 'map'; values: Shape}
  | {type: 'object'; fields: Readonly<Record<string, Shape>>; required?: readonly string[]}

const str: Shape = {type: 'string'}
const int: Shape = {type: 'integer'}
const bool: Shape = {type: 'boolean'}
const strings: Shape = {type: 'list', items: str}
const stringMap: Shape = {type: 'map', values: str}
const oneOf = (values: readonly string[]): Shape => ({type: 'string', enum: values})
const obj = (fields: Record<string, Shape>, required: readonly string[] = []): Shape => ({
  type: 'object',
  fields,
  required,
})

/** A file on the mirror; both fields are required (an unchecked download is no download). */
const artifact = obj({path: str, sha256: str}, ['path', 'sha256'])
const mirror = obj({baseUrl: str, ...Object.fromEntries(MIRROR_ARTIFACTS.map((name) => [name, artifact]))}, [
  'baseUrl',
  ...MIRROR_ARTIFACTS,
])
/** A cloud-config fragment is YAML text inside YAML: a block string, not a nested mapping. */
const cloudConfigFragment: Shape = {
  type: 'string',
  hint: 'write the cloud-config as a block string: "additionalCloudConfig: |" with the fragment indented below it',
}

const image = obj({id: str, lookup: obj({owner: str, namePattern: str}, ['owner', 'namePattern'])})
const toggle = obj({enabled: bool})

export const metadataShape = obj({name: str, labels: stringMap}, ['name'])

export const clusterSpecShape = obj(
  {
    kubernetesVersion: str,
    cloud: obj(
      {
        provider: oneOf(['aws']),
        aws: obj(
          {
            region: str,
            zones: strings,
            vpcId: str,
            kmsKeyArn: str,
            image,
            sshKey: obj({publicKey: str, name: str}),
          },
          ['zones'],
        ),
      },
      ['aws'],
    ),
    networking: obj({
      networkCIDR: str,
      subnets: {
        type: 'list',
        items: obj(
          {name: str, zone: str, type: oneOf(['public', 'private', 'utility']), cidr: str, id: str},
          ['name', 'zone', 'type'],
        ),
      },
      podCIDR: str,
      serviceCIDR: str,
      dnsDomain: str,
      cni: oneOf(['calico', 'cilium', 'flannel', 'amazon-vpc']),
    }),
    topology: obj({type: oneOf(['public', 'private']), bastion: bool}),
    api: obj({access: strings, dnsName: str, endpoint: oneOf(['loadBalancer', 'dns']), port: int}),
    dns: obj({zone: str, type: oneOf(['public', 'private', 'none'])}),
    etcd: obj({version: str, volumeSize: int}),
    addons: obj({
      cloudControllerManager: toggle,
      coreDNS: toggle,
      kubeProxy: toggle,
      ebsCSI: obj({enabled: bool, defaultStorageClass: bool}),
      dashboard: toggle,
    }),
    selfHosted: bool,
    mirror,
  },
  ['cloud'],
)

export const instanceGroupSpecShape = obj(
  {
    role: oneOf(['control-plane', 'node', 'bastion']),
    machineType: str,
    minSize: int,
    maxSize: int,
    subnets: strings,
    zones: strings,
    image,
    rootVolume: obj({size: int, type: oneOf(['gp3', 'gp2', 'io1', 'io2'])}),
    nodeLabels: stringMap,
    taints: {
      type: 'list',
      items: obj({key: str, value: str, effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])}, [
        'key',
        'effect',
      ]),
    },
    cloudLabels: stringMap,
    additionalCloudConfig: cloudConfigFragment,
  },
  ['role'],
)

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
