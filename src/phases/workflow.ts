/**
 * The workflow engine, kubeadm's model kept small (cmd/kubeadm/app/cmd/phases/workflow).
 *
 * A Phase is plain data: a name, a one-line description, optional sub-phases, `run` and `runIf`.
 * A Runner walks the tree depth-first in pre-order. Full names join the path with `/`
 * (`certs/apiserver`). `skip` disables a phase and all its descendants; `only` runs one phase
 * and its descendants (`certs/all` means `certs`). Run data is built once, and only when some
 * phase is about to run. Dry-run is a property of the context, not a second code path.
 */
import {KforgeError} from '../util/errors.js'
import {type Logger, silentLogger} from '../util/logger.js'

export interface PhaseContext {
  /** Phases that change the world must only describe what they would do when this is set. */
  readonly dryRun: boolean
  readonly logger: Logger
}

export interface Phase<D> {
  /** Short, lowercase, stable: part of the public interface (`kforge init phase <name>`). */
  readonly name: string
  /** One line shown in help and progress output. */
  readonly short: string
  readonly phases?: readonly Phase<D>[]
  /** Aliases accepted on the command line (kubeadm's `addon` vs `addons`). */
  readonly aliases?: readonly string[]
  readonly run?: (data: D, ctx: PhaseContext) => Promise<void> | void
  /** Checked before `run`; false skips this phase and its descendants. */
  readonly runIf?: (data: D, ctx: PhaseContext) => Promise<boolean> | boolean
}

export type PhaseStatus = 'done' | 'skipped' | 'failed'

export interface PhaseEvent {
  path: string
  short: string
  depth: number
  status: PhaseStatus | 'running'
  /** Milliseconds, set on completion. */
  elapsedMs?: number
  /** Why a phase was skipped, or the failure message. */
  reason?: string
}

export type PhaseReporter = (event: PhaseEvent) => void

export interface RunOptions {
  /** Full phase names (`certs/apiserver`) to leave out with their descendants. */
  skip?: readonly string[]
  /** Run just this phase (and its descendants). `parent/all` is the same as `parent`. */
  only?: string
  dryRun?: boolean
  logger?: Logger
  reporter?: PhaseReporter
}

export interface PhaseListing {
  path: string
  short: string
  depth: number
  hasChildren: boolean
}

interface Node<D> {
  phase: Phase<D>
  path: string
  depth: number
  parent?: Node<D>
}

export class Workflow<D> {
  private readonly nodes: Node<D>[]

  constructor(
    readonly name: string,
    readonly phases: readonly Phase<D>[],
  ) {
    this.nodes = flatten(phases)
  }

  /** Every phase in run order, for help text and generated commands. */
  list(): PhaseListing[] {
    return this.nodes.map((n) => ({
      path: n.path,
      short: n.phase.short,
      depth: n.depth,
      hasChildren: (n.phase.phases?.length ?? 0) > 0,
    }))
  }

  /** Resolve a user-supplied phase name to its canonical path, or throw `invalid phase name`. */
  resolve(name: string): string {
    const segments = normalise(name)
    let level: readonly Phase<D>[] = this.phases
    const path: string[] = []
    for (const segment of segments) {
      const phase = level.find((p) => p.name === segment || p.aliases?.includes(segment))
      if (!phase) throw new KforgeError(`invalid phase name: ${name}`)
      path.push(phase.name)
      level = phase.phases ?? []
    }
    if (path.length === 0) throw new KforgeError(`invalid phase name: ${name}`)
    return path.join('/')
  }

  /**
   * Run the workflow. `buildData` is called at most once, just before the first phase that runs;
   * a run whose every phase is skipped never builds it.
   */
  async run(buildData: () => Promise<D> | D, options: RunOptions = {}): Promise<PhaseEvent[]> {
    const ctx: PhaseContext = {dryRun: options.dryRun ?? false, logger: options.logger ?? silentLogger}
    const skipped = new Set((options.skip ?? []).map((s) => this.resolve(s)))
    const only = options.only === undefined ? undefined : this.resolve(options.only)
    const report = options.reporter ?? (() => {})
    const events: PhaseEvent[] = []
    const refused = new Set<Node<D>>()
    let data: {value: D} | undefined

    for (const node of this.nodes) {
      const base = {path: node.path, short: node.phase.short, depth: node.depth}
      if (only !== undefined && !isWithin(node.path, only)) continue
      if (skippedBy(node, skipped) || hasAncestorIn(node, refused)) {
        const reason = skippedBy(node, skipped) ? 'skipped by --skip-phases' : 'parent not run'
        const event: PhaseEvent = {...base, status: 'skipped', reason}
        events.push(event)
        report(event)
        refused.add(node)
        continue
      }
      if (!node.phase.run && !node.phase.runIf) continue // pure grouping node

      data ??= {value: await buildData()}
      const started = performance.now()
      if (node.phase.runIf && !(await node.phase.runIf(data.value, ctx))) {
        const event: PhaseEvent = {...base, status: 'skipped', reason: 'not needed', elapsedMs: 0}
        events.push(event)
        report(event)
        refused.add(node)
        continue
      }
      if (!node.phase.run) continue
      report({...base, status: 'running'})
      try {
        await node.phase.run(data.value, ctx)
      } catch (err) {
        const elapsedMs = performance.now() - started
        const reason = err instanceof Error ? err.message : String(err)
        report({...base, status: 'failed', elapsedMs, reason})
        throw err instanceof KforgeError
          ? new KforgeError(`phase ${node.path}: ${err.message}`, {exitCode: err.exitCode, cause: err})
          : err
      }
      const event: PhaseEvent = {...base, status: 'done', elapsedMs: performance.now() - started}
      events.push(event)
      report(event)
    }
    return events
  }
}

function flatten<D>(phases: readonly Phase<D>[], parent?: Node<D>): Node<D>[] {
  const out: Node<D>[] = []
  for (const phase of phases) {
    const path = parent ? `${parent.path}/${phase.name}` : phase.name
    const node: Node<D> = parent ? {phase, path, depth: parent.depth + 1, parent} : {phase, path, depth: 0}
    out.push(node, ...flatten(phase.phases ?? [], node))
  }
  return out
}

/** `certs/all` and `certs/` name the parent; `certs apiserver` (space-separated) works too. */
function normalise(name: string): string[] {
  const parts = name
    .trim()
    .split(/[\s/]+/)
    .filter((p) => p !== '')
  if (parts.length > 1 && parts.at(-1) === 'all') parts.pop()
  return parts
}

function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`)
}

function skippedBy<D>(node: Node<D>, skipped: Set<string>): boolean {
  return skipped.has(node.path)
}

function hasAncestorIn<D>(node: Node<D>, set: Set<Node<D>>): boolean {
  for (let p = node.parent; p; p = p.parent) if (set.has(p)) return true
  return false
}
