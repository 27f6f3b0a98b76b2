/**
 * Multi-document YAML in, plain values out, keeping each document's syntax tree so a problem
 * found later can name the line of the field at fault.
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  visit,
  type YAMLMap,
} from 'yaml'
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
  // The library's own duplicate-key check compares each key with every earlier one: a mapping of
  // 200,000 keys took minutes. Keys are checked here instead, once each, through a set per map.
  const parsed = parseAllDocuments(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: false})
  const docs: SourceDocument[] = []
  for (const doc of parsed) {
    for (const err of doc.errors) {
      problems.general(`line ${lines.linePos(err.pos[0]).line}: ${err.message}`)
    }
    const duplicates = duplicateKeys(doc.contents)
    for (const offset of duplicates)
      problems.general(`line ${lines.linePos(offset).line}: Map keys must be unique`)
    const root = doc.contents
    if (root === null || (isScalar(root) && root.value === null)) continue // `---` with nothing after it
    const lineAt = (offset: number) => lines.linePos(offset).line
    docs.push({
      index: docs.length + 1,
      line: lineAt(root.range?.[0] ?? 0),
      value: doc.errors.length === 0 && duplicates.length === 0 ? doc.toJS({maxAliasCount: 100}) : undefined,
      lineOf: (path) => {
        const offset = findOffset(root, path)
        return offset === undefined ? undefined : lineAt(offset)
      },
    })
  }
  return docs
}

/** Offsets of keys a mapping already had (scalar keys, as YAML 1.2 compares them), in document order. */
function duplicateKeys(root: unknown): number[] {
  const out: number[] = []
  if (!root) return out
  visit(root as Node, {
    Map(_, map) {
      const seen = new Set<string>()
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue
        const id = `${typeof pair.key.value}:${String(pair.key.value)}`
        if (seen.has(id)) out.push(pair.key.range?.[0] ?? 0)
        seen.add(id)
      }
    },
  })
  return out.sort((a, b) => a - b)
}

/** Each mapping's scalar keys indexed once, so looking up many fields stays linear. */
const keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>()

function pairOf(map: YAMLMap, seg: string | number): Pair | undefined {
  let index = keyIndex.get(map)
  if (!index) {
    index = new Map()
    for (const p of map.items) {
      // The first of duplicate keys, as a scan would find (duplicates are reported anyway).
      if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value)))
        index.set(String(p.key.value), p as Pair)
    }
    keyIndex.set(map, index)
  }
  return index.get(String(seg))
}

function findOffset(root: Node, path: Path): number | undefined {
  let node: unknown = root
  let offset = root.range?.[0]
  for (const seg of path) {
    if (isMap(node)) {
      const pair = pairOf(node, seg)
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
