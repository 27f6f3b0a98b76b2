#!/usr/bin/env node
// Writes docs/cli.md from oclif.manifest.json (both made by `npm run build`): `npm run docs`.
// test/integration/cli-docs.test.ts fails when the committed file is not current.
import {readFileSync, writeFileSync} from 'node:fs'
import {cliReference} from '../dist/cli/reference.js'

const manifest = JSON.parse(readFileSync(new URL('../oclif.manifest.json', import.meta.url), 'utf8'))
writeFileSync(new URL('../docs/cli.md', import.meta.url), cliReference(manifest))
