/**
 * Validation problems, collected rather than thrown one at a time. Each is written as
 * `<file>: <Kind> "<name>": <field path> <problem>`, with ` (line N)` when the field is in the
 * source file, so a user can fix every problem in one pass.
 */
import {ValidationError} from '../util/errors.js'

export type PathSegment = string | number
export type Path = readonly PathSegment[]

/** Whose problem it is: a named document, or a document we could not identify (1-based index). */
export type Subject = {kind: 'Cluster' | 'InstanceGroup'; name: string} | {document: number; line?: number}

/** Finds the source line of a field, when the problem's document came from a file. */
export type LineFinder = (subject: Subject, path: Path) => number | undefined

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `['spec', 'subnets', 0]` → `spec.subnets[0]`; odd map keys are quoted: `labels["a/b"]`. */
export function formatPath(path: Path): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (IDENT.test(seg)) out += out === '' ? seg : `.${seg}`
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

export function subjectLabel(subject: Subject): string {
  if ('kind' in subject) return `${subject.kind} "${subject.name}"`
  return `document ${subject.document}${subject.line === undefined ? '' : ` (line ${subject.line})`}`
}

export class Problems {
  private readonly items: string[] = []

  constructor(
    /** Shown first in every message; omitted for specs built from flags. */
    readonly file?: string,
    private readonly lineOf: LineFinder = () => undefined,
  ) {}

  get list(): readonly string[] {
    return this.items
  }

  get empty(): boolean {
    return this.items.length === 0
  }

  /** A problem with no document (`cluster.yaml: line 7: ...`, `cluster.yaml: no Cluster document`). */
  general(text: string): void {
    this.items.push(this.file === undefined ? text : `${this.file}: ${text}`)
  }

  /** A problem with a whole document: `cluster.yaml: Cluster "x": <text>`. */
  about(subject: Subject, text: string): void {
    this.general(`${subjectLabel(subject)}: ${text}`)
  }

  /** `<path> <text>`, e.g. `spec.maxSize (2) must be >= spec.minSize (3)`. */
  field(subject: Subject, path: Path, text: string): void {
    this.about(subject, `${formatPath(path)} ${text}${this.lineSuffix(subject, path)}`)
  }

  /** `<path>: <text>`, for problems with the field itself (unknown, wrong type, missing). */
  fieldError(subject: Subject, path: Path, text: string): void {
    this.about(subject, `${formatPath(path)}: ${text}${this.lineSuffix(subject, path)}`)
  }

  /** Throws a ValidationError listing everything collected so far, if anything was. */
  throwIfAny(): void {
    if (!this.empty) throw new ValidationError(this.items)
  }

  private lineSuffix(subject: Subject, path: Path): string {
    if (!('kind' in subject)) return '' // the label already says where the document starts
    const line = this.lineOf(subject, path)
    return line === undefined ? '' : ` (line ${line})`
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]!
}

/** The candidate closest to `word` (case-insensitively), if it is close enough to be a typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase())
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}
