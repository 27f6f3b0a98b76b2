/** The `static examples` of the spec commands run as written, in order, each set in a fresh store. */
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import CreateCluster from '../../src/commands/create/cluster.js'
import Create from '../../src/commands/create/index.js'
import EditCluster from '../../src/commands/edit/cluster.js'
import GetCluster from '../../src/commands/get/cluster.js'
import GetClusters from '../../src/commands/get/clusters.js'
import GetInstanceGroups from '../../src/commands/get/instancegroups.js'
import Replace from '../../src/commands/replace/index.js'
import Validate from '../../src/commands/validate/index.js'
import {repoRoot, tempDir} from '../support/cli.js'

const bin = `${process.execPath} ${join(repoRoot, 'bin', 'run.js')}`

/** Commands that read a stored cluster get one first. */
const commands = [
  {name: 'create cluster', cmd: CreateCluster, setup: false},
  {name: 'create', cmd: Create, setup: false},
  {name: 'validate', cmd: Validate, setup: false},
  {name: 'get clusters', cmd: GetClusters, setup: true},
  {name: 'get cluster', cmd: GetCluster, setup: true},
  {name: 'get instancegroups', cmd: GetInstanceGroups, setup: true},
  {name: 'replace', cmd: Replace, setup: true},
  {name: 'edit cluster', cmd: EditCluster, setup: true},
]

function sh(line: string, cwd: string, state: string) {
  return spawnSync('/bin/sh', ['-c', line], {
    cwd,
    encoding: 'utf8',
    // `true` as the editor: the edit example opens, changes nothing, and is cancelled.
    env: {...process.env, KFORGE_STATE_STORE: state, EDITOR: 'true', NO_COLOR: '1'},
  })
}

describe('command examples', () => {
  it.each(commands)('$name: every example runs and exits 0', ({cmd, setup}) => {
    const cwd = tempDir()
    const state = tempDir()
    expect(cmd.description).toBeTruthy()
    const lines = (cmd.examples as string[]).map((e) => e.replaceAll('<%= config.bin %>', bin))
    expect(lines.length).toBeGreaterThan(0)
    if (setup)
      expect(sh(`${bin} create cluster demo.example.com --zones us-east-1a`, cwd, state).status).toBe(0)
    for (const line of lines) {
      const r = sh(line, cwd, state)
      expect({line, status: r.status, stderr: r.stderr}).toEqual({line, status: 0, stderr: ''})
    }
  })
})
