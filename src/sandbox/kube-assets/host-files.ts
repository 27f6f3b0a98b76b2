/**
 * Host programs copied into an image layer with the shared libraries they load. kube-proxy's
 * image needs iptables (upstream bases it on a distroless image that carries it); these come from
 * the machine's own Debian packages, since no registry is reachable to pull a base image from.
 */
import {execFileSync} from 'node:child_process'
import {lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync} from 'node:fs'
import {dirname, join, posix, resolve} from 'node:path'
import type {TarEntry} from './tar.js'

function sharedLibraries(path: string): string[] {
  let out: string
  try {
    out = execFileSync('ldd', [path], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
  } catch {
    return [] // static, or not an ELF file
  }
  const libs: string[] = []
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line)
    if (m?.[1]) libs.push(m[1])
  }
  return libs
}

/**
 * Layer entries for `paths` (files, symlinks followed and kept as links, directories walked), every
 * parent directory and every library they need, each once, sorted so the layer is reproducible.
 */
export function hostFiles(paths: readonly string[]): TarEntry[] {
  const entries = new Map<string, TarEntry>()
  const pending = [...paths]
  const addDirs = (path: string) => {
    for (let d = posix.dirname(path); d !== '/' && !entries.has(d); d = posix.dirname(d)) {
      entries.set(d, {type: 'dir', path: d.slice(1), mode: 0o755})
    }
  }
  while (pending.length > 0) {
    const path = pending.pop()!
    if (entries.has(path)) continue
    const st = lstatSync(path)
    addDirs(path)
    if (st.isSymbolicLink()) {
      const target = readlinkSync(path)
      entries.set(path, {type: 'symlink', path: path.slice(1), target})
      pending.push(resolve(dirname(path), target))
    } else if (st.isDirectory()) {
      entries.set(path, {type: 'dir', path: path.slice(1), mode: 0o755})
      for (const name of readdirSync(path)) pending.push(join(path, name))
    } else {
      entries.set(path, {type: 'file', path: path.slice(1), mode: st.mode & 0o777, data: readFileSync(path)})
      pending.push(...sharedLibraries(realpathSync(path)))
    }
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
