/**
 * Reading a stored spec that holds a value an earlier kforge accepted and this one refuses
 * (schema.ts `retired`), for the one command that must still work on it: `delete cluster`.
 * Deleting builds nothing from the spec, only names (the DNS records, the KMS key it brought), so
 * reading the retired value as its replacement finds the same resources. Every other command
 * refuses the spec and says what to change.
 */
import {parseAllDocuments} from 'yaml'

interface ReadAs {
  kind: string
  path: readonly string[]
  value: string
  as: string
}

const RETIRED_READ_AS: readonly ReadAs[] = [
  // The records `dns` wrote carry the names loadBalancer's aliases have (dns-record.ts).
  {kind: 'Cluster', path: ['spec', 'api', 'endpoint'], value: 'dns', as: 'loadBalancer'},
]

/** The text with each retired value replaced, and what was replaced (`spec.api.endpoint: dns, read as loadBalancer`). */
export function readRetiredAsCurrent(text: string): {text: string; replaced: string[]} {
  const docs = parseAllDocuments(text)
  if (!Array.isArray(docs)) return {text, replaced: []}
  const replaced: string[] = []
  for (const doc of docs) {
    for (const r of RETIRED_READ_AS) {
      if (doc.get('kind') !== r.kind || doc.getIn(r.path) !== r.value) continue
      doc.setIn(r.path, r.as)
      replaced.push(`${r.path.join('.')}: ${r.value}, read as ${r.as}`)
    }
  }
  return replaced.length === 0 ? {text, replaced} : {text: docs.map((d) => d.toString()).join(''), replaced}
}
