#!/usr/bin/env node
// Writes oclif.manifest.json after each build, so `kforge --help` and command lookup read one
// JSON file instead of importing every command module (the start-up budget is 0.5 s).
import {writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {Plugin} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = new Plugin({
  root,
  type: 'core',
  isRoot: true,
  ignoreManifest: true,
  errorOnManifestCreate: true,
})
await plugin.load()
writeFileSync(
  new URL('../oclif.manifest.json', import.meta.url),
  `${JSON.stringify(plugin.manifest, null, 2)}\n`,
)
