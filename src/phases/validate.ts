/**
 * `kforge validate -f FILE`: checks that need no cloud, as a workflow so later checks (rendered
 * cloud-init, the CloudFormation template) are one more phase in VALIDATE_PHASES. Each phase adds
 * to `problems` rather than throwing, so the user sees every problem of every kind at once.
 */
import {loadSpec} from '../spec/index.js'
import type {Cluster} from '../spec/types.js'
import {ValidationError} from '../util/errors.js'
import {type Phase, Workflow} from './workflow.js'

export interface ValidateData {
  /** How the file is named in messages. */
  file: string
  text: string
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

/**
 * In order. Phases after `spec` should declare `runIf: (d) => d.cluster !== undefined` and push
 * their problems (`<file>: <what was rendered>: <problem>`) to `data.problems`.
 */
export const VALIDATE_PHASES: Phase<ValidateData>[] = [specPhase]

export const validateWorkflow = new Workflow<ValidateData>('validate', VALIDATE_PHASES)

/** Run every check; the result lists what passed and every problem found. */
export async function validateSpecText(text: string, file: string): Promise<ValidateData> {
  const data: ValidateData = {file, text, problems: [], passed: []}
  await validateWorkflow.run(() => data)
  return data
}
