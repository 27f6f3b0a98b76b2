/**
 * Printing a spec: `-o yaml` is the multi-document text the store keeps and `create -f` takes,
 * `-o json` the same documents as a JSON array, text a summary. Specs hold no secrets (keys and
 * tokens live elsewhere in the store), and the YAML must stay byte-exact, so no redaction here.
 */
import type {OutputFormat} from '../../util/output.js'
import {renderSpec, toDocuments} from './render.js'
import {clusterSummary} from './summary.js'
import type {Cluster} from './types.js'

export function specText(cluster: Cluster, format: OutputFormat, footer?: string): string {
  if (format === 'yaml') return renderSpec(cluster)
  if (format === 'json') return `${JSON.stringify(toDocuments(cluster), null, 2)}\n`
  return `${clusterSummary(cluster)}${footer ? `\n${footer}\n` : ''}`
}

export function printSpec(cluster: Cluster, format: OutputFormat, footer?: string): void {
  process.stdout.write(specText(cluster, format, footer))
}
