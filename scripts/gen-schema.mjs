#!/usr/bin/env node
// Writes schema/kforge.dev_v1alpha1.json and docs/spec.md from the spec's shapes
// (src/api/v1alpha1/schema.ts, through the build in dist/). Run after `npm run build`:
// `npm run docs`. test/unit/api/v1alpha1/json-schema.test.ts fails when the committed files differ.
import {mkdirSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {SCHEMA_FILE} from '../dist/api/v1alpha1/schema.js'
import {schemaText, specReference} from '../dist/api/v1alpha1/schema-doc.js'

const root = fileURLToPath(new URL('..', import.meta.url))
mkdirSync(`${root}schema`, {recursive: true})
writeFileSync(`${root}${SCHEMA_FILE}`, schemaText())
writeFileSync(`${root}docs/spec.md`, specReference())
