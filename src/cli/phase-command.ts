/**
 * oclif commands generated from a Workflow, so every workflow gets kubeadm's CLI shape for free:
 * `kforge <cmd>` runs the whole workflow (with `--skip-phases`), and `kforge <cmd> phase <name>
 * [<sub>] [ARGS...]` runs one phase with its sub-phases (`certs`, `certs apiserver`, `certs/all`).
 * Help lists the phases, top to bottom, from the workflow itself.
 */
import {Args, Flags, type Interfaces} from '@oclif/core'
import type {Workflow} from '../phases/workflow.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {BaseCommand} from './base.js'
import {progressReporter} from './progress.js'

export interface PrepareInput {
  flags: Record<string, unknown>
  /** Positional arguments (after the phase name for `phase` commands). */
  positionals: string[]
  logger: Logger
  /** The phase being run alone, for `phase` commands. */
  only?: string
}

export interface Prepared<D> {
  buildData: () => D | Promise<D>
  /** Phases to skip (already resolved or resolvable by the workflow). */
  skip: string[]
  dryRun: boolean
}

export interface WorkflowCommandSpec<D> {
  workflow: Workflow<D>
  /** The command word: `init`, `join`. */
  command: string
  summary: string
  flags: Interfaces.FlagInput
  /** Positional arguments, in order, for usage text (`ENDPOINT`). */
  positionals?: readonly {name: string; description: string}[]
  examples?: readonly string[]
  phaseExamples?: readonly string[]
  prepare: (input: PrepareInput) => Promise<Prepared<D>>
}

/**
 * The phases, top to bottom, by full name (usable as typed), descriptions aligned in a column
 * that stays narrow enough for an 80-column terminal; a longer name pushes only its own line.
 */
export function describePhases(workflow: Workflow<unknown>, command: string): string {
  const rows = workflow.list()
  const width = Math.min(Math.max(...rows.map((r) => r.path.length)), 30) + 2
  const line = (path: string, short: string) =>
    path.length + 2 > width ? `${path}  ${short}` : `${path.padEnd(width)}${short}`
  return [
    `The "${command}" command executes the following phases:`,
    ...rows.map((r) => line(r.path, r.short)),
  ].join('\n')
}

/** Split `certs apiserver ENDPOINT` into the longest valid phase name and the rest. */
export function splitPhaseArgs(
  workflow: Workflow<unknown>,
  tokens: readonly string[],
): {phase: string; rest: string[]} {
  for (let i = tokens.length; i > 0; i--) {
    const candidate = tokens.slice(0, i).join('/')
    try {
      workflow.resolve(candidate)
      return {phase: candidate, rest: tokens.slice(i)}
    } catch {
      // not a phase name of this length; try a shorter one
    }
  }
  throw new KforgeError(`invalid phase name: ${tokens[0] ?? ''}\n${describePhases(workflow, workflow.name)}`)
}

function positionalArgs(spec: WorkflowCommandSpec<unknown>): Interfaces.ArgInput {
  const out: Interfaces.ArgInput = {}
  for (const p of spec.positionals ?? []) out[p.name] = Args.string({description: p.description})
  return out
}

async function execute<D>(
  cmd: BaseCommand<typeof BaseCommand>,
  spec: WorkflowCommandSpec<D>,
  flags: Record<string, unknown>,
  positionals: string[],
  only?: string,
): Promise<void> {
  const logger = (cmd as unknown as {logger: Logger}).logger
  const prepared = await spec.prepare({flags, positionals, logger, ...(only ? {only} : {})})
  await spec.workflow.run(prepared.buildData, {
    skip: prepared.skip,
    ...(only ? {only} : {}),
    dryRun: prepared.dryRun,
    logger,
    reporter: progressReporter(),
  })
}

/** `kforge <command>`: the whole workflow. */
export function workflowCommand<D>(spec: WorkflowCommandSpec<D>): typeof BaseCommand {
  class WorkflowCommand extends BaseCommand<typeof WorkflowCommand> {
    static override summary = spec.summary
    static override description =
      `${spec.summary}\n\n${describePhases(spec.workflow as Workflow<unknown>, spec.command)}`
    static override examples = [...(spec.examples ?? [])]
    static override args = positionalArgs(spec as WorkflowCommandSpec<unknown>)
    static override flags = {
      ...spec.flags,
      'skip-phases': Flags.string({
        description: 'comma-separated phases to skip with their sub-phases (certs/apiserver, addon)',
      }),
    }

    async run(): Promise<void> {
      const ctor = this.ctor as typeof WorkflowCommand
      const parsed = await this.parse({
        flags: ctor.flags,
        baseFlags: ctor.baseFlags,
        args: ctor.args,
        strict: true,
      })
      const positionals = (spec.positionals ?? [])
        .map((p) => parsed.args[p.name])
        .filter((v): v is string => typeof v === 'string')
      await execute(this as unknown as BaseCommand<typeof BaseCommand>, spec, parsed.flags, positionals)
    }
  }
  return WorkflowCommand as unknown as typeof BaseCommand
}

/** `kforge <command> phase <phase> [<sub-phase>] [ARGS...]`: one phase with its sub-phases. */
export function phaseCommand<D>(spec: WorkflowCommandSpec<D>): typeof BaseCommand {
  const usageArgs = (spec.positionals ?? []).map((p) => ` [${p.name}]`).join('')
  class PhaseCommand extends BaseCommand<typeof PhaseCommand> {
    static override summary = `Run one "${spec.command}" phase and its sub-phases`
    static override description =
      `Run one "${spec.command}" phase and its sub-phases. Name a sub-phase with a space or a slash ("certs apiserver", "certs/apiserver"); "all" after a group runs the whole group.\n\n${describePhases(spec.workflow as Workflow<unknown>, spec.command)}`
    static override usage = `${spec.command} phase PHASE [SUB-PHASE]${usageArgs} [FLAGS]`
    static override examples = [...(spec.phaseExamples ?? [])]
    static override strict = false
    static override args = {
      phase: Args.string({description: 'the phase to run, e.g. certs, "certs apiserver", certs/all'}),
    }
    static override flags = spec.flags

    async run(): Promise<void> {
      const ctor = this.ctor as typeof PhaseCommand
      const parsed = await this.parse({
        flags: ctor.flags,
        baseFlags: ctor.baseFlags,
        args: ctor.args,
        strict: false,
      })
      const tokens = (parsed.argv as unknown[]).map(String)
      if (tokens.length === 0) {
        throw new KforgeError(
          `name a phase: kforge ${spec.command} phase PHASE\n${describePhases(spec.workflow as Workflow<unknown>, spec.command)}`,
        )
      }
      const {phase, rest} = splitPhaseArgs(spec.workflow as Workflow<unknown>, tokens)
      const max = spec.positionals?.length ?? 0
      if (rest.length > 0 && max === 0) throw new KforgeError(`invalid phase name: ${tokens.join('/')}`)
      if (rest.length > max) {
        throw new KforgeError(
          `unexpected argument${rest.length - max > 1 ? 's' : ''}: ${rest.slice(max).join(' ')}`,
        )
      }
      await execute(this as unknown as BaseCommand<typeof BaseCommand>, spec, parsed.flags, rest, phase)
    }
  }
  return PhaseCommand as unknown as typeof BaseCommand
}
