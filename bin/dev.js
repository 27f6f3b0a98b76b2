#!/usr/bin/env node
// Runs the compiled CLI after a fresh build; kept for oclif's conventions.
import {execSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

execSync('npx tsc -p tsconfig.json', {cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit'})
await import('./run.js')
