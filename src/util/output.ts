import {stringify} from 'yaml'
import {redact} from './redact.js'

export type OutputFormat = 'text' | 'json' | 'yaml'

/** Serialise an object for `-o json|yaml`; text output is the command's own business. */
export function formatObject(value: unknown, format: Exclude<OutputFormat, 'text'>): string {
  const body = format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, {lineWidth: 0})
  return redact(body)
}

/** A plain table with a header row, columns padded to the widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return `${[line(header), ...rows.map(line)].join('\n')}\n`
}
