/**
 * From parsed YAML documents to typed input: one Cluster and its InstanceGroups, each checked
 * against its shape. The reverse, `toDocuments`, writes a complete Cluster back out.
 */

import type {SourceDocument} from '../parse.js'
import {type Problems, type Subject, suggest} from '../problems.js'
import {checkShape, dropNulls, isPlainObject, type Shape} from '../shape.js'
import {clusterSpecShape, instanceGroupSpecShape, metadataShape} from './schema.js'
import {API_VERSION, type ClusterDocument, type InstanceGroupDocument} from './types.js'

export const CLUSTER_LABEL = 'kforge.dev/cluster'

/** What a spec file holds, before defaults. */
export interface SpecInput {
  cluster: ClusterDocument
  instanceGroups: InstanceGroupDocument[]
}

const KINDS = ['Cluster', 'InstanceGroup'] as const

function documentShape(spec: Shape): Shape {
  return {
    type: 'object',
    fields: {apiVersion: {type: 'string'}, kind: {type: 'string'}, metadata: metadataShape, spec},
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  }
}

/** Key under which a subject's source document is registered (for line lookups). */
export function subjectKey(subject: Subject): string {
  return 'kind' in subject ? `${subject.kind}/${subject.name}` : `#${subject.document}`
}

/**
 * Check each document's kind, apiVersion and shape; return the typed input when there is exactly
 * one Cluster. Registers each document in `sources` so later problems can name lines.
 */
export function decodeDocuments(
  docs: readonly SourceDocument[],
  problems: Problems,
  sources: Map<string, SourceDocument>,
): SpecInput | undefined {
  let cluster: ClusterDocument | undefined
  const groups: InstanceGroupDocument[] = []
  const before = problems.list.length
  for (const doc of docs) {
    const anonymous: Subject = {document: doc.index, line: doc.line}
    sources.set(subjectKey(anonymous), doc)
    const value = doc.value
    if (!isPlainObject(value)) {
      problems.about(anonymous, 'expected a mapping with apiVersion, kind, metadata and spec')
      continue
    }
    const kind = value.kind
    if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
      const near = typeof kind === 'string' ? suggest(kind, KINDS) : undefined
      problems.fieldError(
        anonymous,
        ['kind'],
        kind === undefined || kind === null
          ? 'required field is missing (expected Cluster or InstanceGroup)'
          : `${JSON.stringify(kind)} is not a kind kforge knows (expected Cluster or InstanceGroup${near ? `; did you mean "${near}"?` : ''})`,
      )
      continue
    }
    const name = isPlainObject(value.metadata) ? value.metadata.name : undefined
    const subject: Subject =
      typeof name === 'string' && name !== '' ? {kind: kind as (typeof KINDS)[number], name} : anonymous
    if ('kind' in subject) {
      const previous = sources.get(subjectKey(subject))
      if (previous) {
        problems.about(subject, `defined twice (documents ${previous.index} and ${doc.index})`)
        continue
      }
      sources.set(subjectKey(subject), doc)
    }
    if (value.apiVersion !== undefined && value.apiVersion !== API_VERSION) {
      problems.fieldError(
        subject,
        ['apiVersion'],
        `${JSON.stringify(value.apiVersion)} is not supported (expected "${API_VERSION}")`,
      )
    }
    const count = problems.list.length
    checkShape(
      value,
      documentShape(kind === 'Cluster' ? clusterSpecShape : instanceGroupSpecShape),
      [],
      subject,
      problems,
    )
    if (problems.list.length !== count) continue
    if (kind === 'Cluster') {
      if (cluster) {
        problems.about(subject, `a spec holds one Cluster, and Cluster "${cluster.metadata.name}" came first`)
        continue
      }
      cluster = dropNulls(value) as unknown as ClusterDocument
    } else {
      groups.push(dropNulls(value) as unknown as InstanceGroupDocument)
    }
  }
  if (docs.length === 0) problems.general('no documents (expected one Cluster and its InstanceGroups)')
  else if (!cluster && problems.list.length === before)
    problems.general('no Cluster document (expected one document with kind: Cluster)')
  if (!cluster) return undefined
  for (const ig of groups) {
    const owner = ig.metadata.labels?.[CLUSTER_LABEL]
    if (owner !== undefined && owner !== cluster.metadata.name) {
      problems.field(
        {kind: 'InstanceGroup', name: ig.metadata.name},
        ['metadata', 'labels', CLUSTER_LABEL],
        `("${owner}") does not match Cluster "${cluster.metadata.name}"`,
      )
    }
  }
  return problems.list.length === before ? {cluster, instanceGroups: groups} : undefined
}
