/**
 * The spec's front door: YAML text → a complete, validated Cluster (or a ValidationError listing
 * every problem), and back. Stages: parse (syntax, with lines) → decode (kinds, shapes) →
 * defaults → semantic validation. Each stage reports all it finds; a stage runs only when the
 * ones before it found nothing, so a problem is never reported twice under two names.
 */

import {parseDocuments, type SourceDocument} from '../parse.js'
import {Problems} from '../problems.js'
import {applyDefaults} from './defaults.js'
import {decodeDocuments, type SpecInput, subjectKey} from './documents.js'
import type {Cluster} from './types.js'
import {validateCluster} from './validate.js'

export type {SpecInput} from './documents.js'
export {renderSpec, toDocuments} from './render.js'

/** Parse, default and validate a spec file's text. `file` names it in every message. */
export function loadSpec(text: string, file: string): Cluster {
  const sources = new Map<string, SourceDocument>()
  const problems = new Problems(file, (subject, path) => sources.get(subjectKey(subject))?.lineOf(path))
  const docs = parseDocuments(text, problems)
  problems.throwIfAny()
  const input = decodeDocuments(docs, problems, sources)
  problems.throwIfAny()
  return completeCluster(input!, problems)
}

/** Defaults then validation, for input built in code (flags). Throws ValidationError. */
export function completeCluster(input: SpecInput, problems: Problems = new Problems()): Cluster {
  const cluster = applyDefaults(input, problems)
  validateCluster(cluster, problems)
  problems.throwIfAny()
  return cluster
}
