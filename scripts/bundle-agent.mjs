#!/usr/bin/env node
// Bundles the node agent after each build (dist/node-agent/kforge-node-agent.mjs and the command
// ids linked into it), so an installed kforge reads the bundle and needs no bundler at run time.
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'
import {BUNDLED_AGENT, BUNDLED_AGENT_INDEX} from '../dist/assets/node-agent.js'
import {buildNodeAgent} from '../dist/assets/node-agent-build.js'

const bundle = await buildNodeAgent()
mkdirSync(dirname(BUNDLED_AGENT), {recursive: true})
writeFileSync(BUNDLED_AGENT, bundle.code)
writeFileSync(BUNDLED_AGENT_INDEX, `${JSON.stringify({commands: bundle.commands}, null, 2)}\n`)
