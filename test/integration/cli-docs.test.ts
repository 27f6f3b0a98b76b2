/**
 * docs/cli.md is the CLI as built: generated from the oclif manifest the build writes, so a flag
 * or command changed without `npm run docs` fails here.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {cliReference, type OclifManifest} from '../../src/cli/reference.js'

const root = join(import.meta.dirname, '..', '..')

describe('docs/cli.md', () => {
  it('is what the built commands give (run `npm run docs` after changing a command)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as OclifManifest
    const text = cliReference(manifest)
    expect(readFileSync(join(root, 'docs', 'cli.md'), 'utf8')).toBe(text)
    for (const id of Object.keys(manifest.commands))
      expect(text).toContain(`## kforge ${id.split(':').join(' ')}`)
  })
})
