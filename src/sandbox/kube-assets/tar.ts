/**
 * A minimal POSIX ustar writer: regular files, directories and symlinks, which is all an image
 * layer of static binaries (and a few host tools with their libraries) needs. Entries are written
 * in the order given, with fixed owner (root) and time, so the same inputs give the same bytes.
 */

export type TarEntry =
  | {type: 'file'; path: string; mode: number; data: Buffer}
  | {type: 'dir'; path: string; mode: number}
  | {type: 'symlink'; path: string; target: string}

const BLOCK = 512

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`
}

/** ustar keeps names up to 100 bytes, or 255 split at a slash into prefix (155) and name (100). */
function splitName(path: string): {name: string; prefix: string} {
  if (Buffer.byteLength(path) <= 100) return {name: path, prefix: ''}
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return {name, prefix}
  }
  throw new Error(`tar: path too long for ustar: ${path}`)
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK)
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path
  const {name, prefix} = splitName(path)
  block.write(name, 0, 100, 'utf8')
  block.write(octal(entry.type === 'symlink' ? 0o777 : entry.mode, 8), 100)
  block.write(octal(0, 8), 108)
  block.write(octal(0, 8), 116)
  block.write(octal(size, 12), 124)
  block.write(octal(0, 12), 136)
  block.fill(' ', 148, 156)
  block.write(entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2', 156)
  if (entry.type === 'symlink') block.write(entry.target, 157, 100, 'utf8')
  block.write('ustar\0', 257)
  block.write('00', 263)
  block.write('root', 265)
  block.write('root', 297)
  block.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const byte of block) sum += byte
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return block
}

export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const entry of entries) {
    const data = entry.type === 'file' ? entry.data : Buffer.alloc(0)
    parts.push(header(entry, data.length), data)
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK
    if (pad) parts.push(Buffer.alloc(pad))
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}
