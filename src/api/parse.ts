/**
 * Multi-document YAML in, plain values out, keeping each document's syntax tree so a problem
 * found later can name the line of the field at fault.
 */
import {isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments} from 'yaml'
import type {Path, Problems} from './problems.js'

export interface SourceDocument {
  /** 1-based position in the file, counting only non-empty documents. */
  index: number
  /** First line of the document's content. */
  line: number
  /** The document as plain JavaScript (maps → objects, sequences → arrays). */
  value: unknown
  /** Line of the field at `path` (its key, for map entries), or undefined if the file lacks it. */
  lineOf(path: Path): number | undefined
}

/** Parse YAML text into documents; syntax errors are reported with their line and nothing else. */
export function parseDocuments(text: string, problems: Problems): SourceDocument[] {
  const lines = new LineCounter()
  const parsed = parseAllDocuments(text, {lineCounter: lines, prettyErrors: false})
  const docs: SourceDocument[] = []
  for (const doc of parsed) {
    for (const err of doc.errors) {
      problems.general(`line ${lines.linePos(err.pos[0]).line}: ${err.message}`)
    }
    const root = doc.contents
    if (root === null || (isScalar(root) && root.value === null)) continue // `---` with nothing after it
    const lineAt = (offset: number) => lines.linePos(offset).line
    docs.push({
      index: docs.length + 1,
      line: lineAt(root.range?.[0] ?? 0),
      value: doc.errors.length === 0 ? doc.toJS({maxAliasCount: 100}) : undefined,
      lineOf: (path) => {
        const offset = findOffset(root, path)
        return offset === undefined ? undefined : lineAt(offset)
      },
    })
  }
  return docs
}

function findOffset(root: Node, path: Path): number | undefined {
  let node: unknown = root
  let offset = root.range?.[0]
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg))
      if (!pair) return undefined
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg]
      if (!item) return undefined
      node = item
      offset = (item as Node).range?.[0] ?? offset
    } else {
      return undefined
    }
  }
  return offset
}
