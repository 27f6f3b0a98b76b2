/**
 * `kforge validate -f FILE`: checks that need no cloud, as a workflow so each kind of check (the
 * spec, the rendered cloud-init, later the CloudFormation template) is one phase in
 * VALIDATE_PHASES. Each phase adds to `problems` rather than throwing, so the user sees every
 * problem of every kind at once.
 */
import {isScalar, LineCounter, parseAllDocuments} from 'yaml'
import {loadSpec} from '../api/v1alpha1/index.js'
import type {Cluster, InstanceGroup} from '../api/v1alpha1/types.js'
import {ValidationError} from '../util/errors.js'
import {type Phase, Workflow} from './workflow.js'

export interface ValidateData {
  /** How the file is named in messages. */
  file: string
  text: string
  /**
   * The state store the cluster will use (`--state`). A local one cannot serve a cloud-config too
   * large for user-data. Default: an S3 store is assumed.
   */
  stateStore?: string
  /** Set by the spec phase when the spec is valid; later phases check what it renders to. */
  cluster?: Cluster
  problems: string[]
  /** One line per check that passed, for the OK summary. */
  passed: string[]
}

const specPhase: Phase<ValidateData> = {
  name: 'spec',
  short: 'parse the spec, apply defaults, validate every field',
  run(data) {
    try {
      const cluster = loadSpec(data.text, data.file)
      data.cluster = cluster
      const groups = cluster.instanceGroups.map((g) => `${g.name} (${g.spec.role})`).join(', ')
      data.passed.push(`spec: Cluster "${cluster.name}" ${cluster.spec.kubernetesVersion} with ${groups}`)
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      data.problems.push(...err.problems)
    }
  },
}

const userdataPhase: Phase<ValidateData> = {
  name: 'userdata',
  short: "render every instance group's cloud-config; check its keys, types and size",
  runIf: (data) => data.cluster !== undefined,
  async run(data) {
    const cluster = data.cluster!
    const {validateClusterUserData} = await import('../render/validate.js')
    const options = data.stateStore === undefined ? {} : {stateStore: data.stateStore}
    const problems = validateClusterUserData(cluster, options)
    if (problems.length === 0) {
      const n = cluster.instanceGroups.length
      data.passed.push(
        `userdata: ${n} instance group${n === 1 ? '' : 's'} render to valid cloud-config that EC2 user-data can carry`,
      )
      return
    }
    const where = await fragmentLocator(data, cluster)
    data.problems.push(...problems.map((p) => `${data.file}: ${p}${where(p)}`))
  },
}

/**
 * A rendered line means little to someone who has not seen the rendered document: for a problem
 * inside a group's additionalCloudConfig, name the line of the fragment as the user wrote it and,
 * when the fragment is a literal block (`|`, lines kept as written), its line in the spec file.
 * The renderer embeds the fragment verbatim (without a `#cloud-config` header line and trailing
 * blank space), which is how it is found again here.
 */
async function fragmentLocator(data: ValidateData, cluster: Cluster): Promise<(problem: string) => string> {
  const {renderCloudConfig} = await import('../render/render.js')
  const {placeholderAssets} = await import('../render/placeholder.js')
  const {userDataFile} = await import('../render/validate.js')
  const assets = placeholderAssets(
    cluster,
    data.stateStore === undefined ? {} : {stateStore: data.stateStore},
  )
  const inFile = literalFragmentLines(data.text)
  /** Rendered line of the fragment's line 1 (its header line, when it has one). */
  const startOf = (group: InstanceGroup): number | undefined => {
    const fragment = group.spec.additionalCloudConfig ?? ''
    const header = /^#cloud-config[^\n]*\n/.exec(fragment)
    const body = fragment.slice(header?.[0].length ?? 0).trimEnd()
    if (body === '') return undefined
    let text: string
    try {
      text = renderCloudConfig({cluster, group, assets}).text
    } catch {
      return undefined // the render refusal is the problem reported
    }
    const at = text.lastIndexOf(body)
    return at === -1 ? undefined : text.slice(0, at).split('\n').length - (header ? 1 : 0)
  }
  const located: Array<{prefix: string; group: InstanceGroup; start: number; lines: number}> = []
  for (const group of cluster.instanceGroups) {
    const start = startOf(group)
    const lines = (group.spec.additionalCloudConfig ?? '').trimEnd().split('\n').length
    if (start !== undefined) located.push({prefix: `${userDataFile(group.name)}: line `, group, start, lines})
  }
  return (problem) => {
    const match = located.find((l) => problem.startsWith(l.prefix))
    if (!match) return ''
    const own = Number.parseInt(problem.slice(match.prefix.length), 10) - match.start + 1
    if (!(own >= 1 && own <= match.lines)) return ''
    const first = inFile.get(match.group.name)
    const fileLine = first === undefined ? '' : `, ${data.file} line ${first + own - 1}`
    return ` (InstanceGroup "${match.group.name}" spec.additionalCloudConfig line ${own}${fileLine})`
  }
}

/** Group name → file line of the fragment's line 1, for fragments written as literal blocks. */
function literalFragmentLines(text: string): Map<string, number> {
  const lines = new LineCounter()
  const out = new Map<string, number>()
  for (const doc of parseAllDocuments(text, {lineCounter: lines})) {
    if (doc.errors.length > 0 || doc.get('kind') !== 'InstanceGroup') continue
    const name = doc.getIn(['metadata', 'name'])
    const node = doc.getIn(['spec', 'additionalCloudConfig'], true)
    // A literal block's content starts on the line after its `|` header, one line per line.
    if (typeof name === 'string' && isScalar(node) && node.type === 'BLOCK_LITERAL' && node.range)
      out.set(name, lines.linePos(node.range[0]).line + 1)
  }
  return out
}

/**
 * In order. Phases after `spec` declare `runIf: (d) => d.cluster !== undefined` and push their
 * problems (`<file>: <what was rendered>: <problem>`) to `data.problems`.
 */
export const VALIDATE_PHASES: Phase<ValidateData>[] = [specPhase, userdataPhase]

export const validateWorkflow = new Workflow<ValidateData>('validate', VALIDATE_PHASES)

export interface ValidateOptions {
  /** The `--state` the cluster will use; see ValidateData.stateStore. */
  stateStore?: string
}

/** Run every check; the result lists what passed and every problem found. */
export async function validateSpecText(
  text: string,
  file: string,
  options: ValidateOptions = {},
): Promise<ValidateData> {
  const data: ValidateData = {
    file,
    text,
    ...(options.stateStore === undefined ? {} : {stateStore: options.stateStore}),
    problems: [],
    passed: [],
  }
  await validateWorkflow.run(() => data)
  return data
}
