import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parseAllDocuments, stringify} from 'yaml'
import {loadSpec} from '../../../../src/api/v1alpha1/index.js'
import {ValidationError} from '../../../../src/util/errors.js'

export const fixtures = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'spec')

export function fixture(name: string): string {
  return readFileSync(join(fixtures, name), 'utf8')
}

// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary YAML to break it on purpose
export type Doc = any

/** The minimal HA fixture with `edit` applied to its documents (Cluster first, then groups). */
export function edited(edit: (docs: Doc[]) => void, base = fixture('minimal-ha.yaml')): string {
  const docs = parseAllDocuments(base).map((d) => (d as {toJS(): unknown}).toJS())
  edit(docs)
  return docs.map((d) => stringify(d)).join('---\n')
}

/** The problems loading `text` reports (empty when it loads). */
export function problemsOf(text: string, file = 'cluster.yaml'): readonly string[] {
  try {
    loadSpec(text, file)
    return []
  } catch (err) {
    if (err instanceof ValidationError) return err.problems
    throw err
  }
}

/** Problems without their ` (line N)` suffix, for tests about the message rather than the line. */
export function messagesOf(text: string): string[] {
  return problemsOf(text).map((p) => p.replace(/ \(line \d+\)$/, ''))
}
