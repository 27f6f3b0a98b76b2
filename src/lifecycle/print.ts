/** Text output of the lifecycle commands: tables a user reads, the same data `-o json` prints. */
import {formatTable} from '../util/output.js'
import type {Failure} from './checks.js'
import type {CandidateData} from './rolling-update.js'
import type {ValidationReport} from './validate.js'

export function failureTable(failures: readonly Failure[]): string {
  return formatTable(
    ['KIND', 'NAME', 'MESSAGE'],
    failures.map((f) => [f.kind, f.name, f.message]),
  )
}

export function formatValidation(r: ValidationReport): string {
  const parts = [
    `Validating cluster ${r.cluster}\n`,
    'INSTANCE GROUPS',
    formatTable(
      ['NAME', 'ROLE', 'MIN', 'MAX', 'DESIRED', 'INSERVICE', 'CURRENT'],
      r.groups.map((g) => [
        g.name,
        g.role,
        String(g.min),
        String(g.max),
        String(g.desired),
        String(g.inService),
        String(g.current),
      ]),
    ),
  ]
  if (r.kubernetes.checked) {
    parts.push(
      `NODES (${r.kubernetes.source})`,
      r.kubernetes.nodes.length === 0
        ? '(none)\n'
        : formatTable(
            ['NAME', 'ROLE', 'READY', 'INSTANCE', 'ZONE'],
            r.kubernetes.nodes.map((n) => [
              n.name,
              n.role,
              n.ready ? 'True' : 'False',
              n.instance ?? '-',
              n.zone ?? '-',
            ]),
          ),
    )
  } else {
    parts.push(`KUBERNETES: not checked: ${r.kubernetes.reason}\n`)
  }
  if (r.valid) {
    parts.push(`Your cluster ${r.cluster} is ready${r.kubernetes.checked ? '' : ' (cloud side only)'}.\n`)
  } else {
    parts.push('VALIDATION ERRORS', failureTable(r.failures))
    parts.push(`Validation failed: ${r.failures.length} problem${r.failures.length === 1 ? '' : 's'}.\n`)
  }
  return parts.join('\n')
}

export function candidateTable(candidates: readonly CandidateData[]): string {
  return formatTable(
    ['GROUP', 'INSTANCE', 'REASON'],
    candidates.map((c) => [c.group, c.instance, c.reason]),
  )
}

export function rollingText(r: {
  cluster: string
  candidates: CandidateData[]
  applied: boolean
  replaced: {instance: string}[]
}): string {
  if (r.candidates.length === 0)
    return `No rolling update needed: every instance of ${r.cluster} runs its group's launch template version.\n`
  if (!r.applied) {
    return `${candidateTable(r.candidates)}\nMust specify --yes to replace these ${r.candidates.length} instances.\n`
  }
  const replaced = r.candidates.filter((c) => r.replaced.some((x) => x.instance === c.instance))
  return `${candidateTable(replaced)}\nReplaced ${r.replaced.length} instances of cluster ${r.cluster}.\n`
}
