/**
 * The few helpers the cloud-init templates may call. Each one escapes a value for one target
 * language (YAML scalar, YAML block scalar, POSIX shell word), so templates never quote by hand
 * and a value can never break out of its place in the document.
 */

/** A YAML double-quoted scalar. JSON's string escapes are a subset of YAML's. */
export function yamlScalar(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value !== 'string') throw new Error(`yaml helper: expected a string, got ${typeof value}`)
  return JSON.stringify(value)
}

/** Characters a YAML block scalar cannot hold: C0 controls other than tab and newline, CR, DEL. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f) return true
  }
  return false
}

/**
 * A YAML literal block scalar (`|`) whose lines sit at `indent` spaces: the header, then the
 * text. Chomping keeps the text exact: `|` for one final newline, `|-` for none, `|+` for more.
 */
export function yamlBlock(text: string, indent: number): string {
  if (typeof text !== 'string') throw new Error(`block helper: expected a string, got ${typeof text}`)
  if (text === '') return '""'
  if (/^\n*[ \t]/.test(text)) {
    throw new Error('block helper: text must not start with whitespace (YAML would misread its indentation)')
  }
  if (hasControlCharacters(text)) {
    throw new Error('block helper: text holds control characters a YAML block scalar cannot carry')
  }
  const trailing = /\n*$/.exec(text)![0].length
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+'
  const body = trailing === 0 ? text : text.slice(0, -1)
  const pad = ' '.repeat(indent)
  const lines = body.split('\n').map((line) => (line === '' ? '' : pad + line))
  return `|${chomp}\n${lines.join('\n')}`
}

/** One POSIX shell word: single-quoted, with embedded single quotes spliced in. */
export function shellWord(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'string') throw new Error(`sh helper: expected a string, got ${typeof value}`)
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value
  return `'${value.replace(/'/g, `'"'"'`)}'`
}
