import {existsSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * A compiled file of this package (`dist/<relative>`), found from src/ (tests run the sources)
 * and dist/ alike: the sandbox starts some of its own modules as separate processes, and those
 * must be JavaScript.
 */
export function distFile(relative: string, from = import.meta.url): string {
  let dir = dirname(fileURLToPath(from))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(from)}`)
    dir = up
  }
  return join(dir, 'dist', relative)
}

export function packageRoot(): string {
  return dirname(dirname(distFile('x')))
}
