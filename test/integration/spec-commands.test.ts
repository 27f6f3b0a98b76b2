/** get / replace / edit on a stored cluster, through the built CLI with a temp state store. */
import {chmodSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import {runKforge, tempDir} from '../support/cli.js'

const NAME = 'demo.example.com'
let state: string
let spec: string
const stored = () => readFileSync(join(state, NAME, 'config.yaml'), 'utf8')
const kforge = (args: string[], env: Record<string, string> = {}) =>
  runKforge([...args, '--state', state], {env})

beforeEach(async () => {
  state = tempDir()
  const r = await kforge(['create', 'cluster', NAME, '--zones', 'us-east-1a,us-east-1b,us-east-1c'])
  expect(r.code).toBe(0)
  spec = stored()
})

/** An editor: a shell script that edits "$1" in place with the given sed expression. */
function sedEditor(expr: string): string {
  const script = join(tempDir(), 'editor.sh')
  writeFileSync(script, `#!/bin/sh\nsed -i '${expr}' "$1"\n`)
  chmodSync(script, 0o755)
  return script
}

describe('get', () => {
  it('lists clusters, prints the stored spec, lists instance groups', async () => {
    const list = await kforge(['get', 'clusters'])
    expect(list.stdout).toBe(
      'NAME              VERSION  ZONES                             TOPOLOGY\n' +
        'demo.example.com  v1.37.2  us-east-1a,us-east-1b,us-east-1c  public\n',
    )
    const yaml = await kforge(['get', 'cluster', NAME, '-o', 'yaml'])
    expect(yaml.stdout).toBe(spec)
    const groups = await kforge(['get', 'instancegroups', '--name', NAME])
    expect(groups.stdout.split('\n')).toEqual([
      'NAME                      ROLE           MACHINETYPE  MIN  MAX  SUBNETS',
      'control-plane-us-east-1a  control-plane  t3.medium    1    1    us-east-1a',
      'control-plane-us-east-1b  control-plane  t3.medium    1    1    us-east-1b',
      'control-plane-us-east-1c  control-plane  t3.medium    1    1    us-east-1c',
      'nodes                     node           t3.medium    3    3    us-east-1a,us-east-1b,us-east-1c',
      '',
    ])
    const json = JSON.parse((await kforge(['get', 'ig', '--name', NAME, '-o', 'json'])).stdout) as Array<{
      metadata: {name: string}
    }>
    expect(json.map((g) => g.metadata.name)).toHaveLength(4)
    const clustersJson = JSON.parse((await kforge(['get', 'clusters', '--json'])).stdout) as Array<{
      metadata: {name: string}
    }>
    expect(clustersJson.map((c) => c.metadata.name)).toEqual([NAME])
  })

  it('names a missing cluster and the store', async () => {
    const r = await kforge(['get', 'cluster', 'nope.example.com'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(`Error: cluster "nope.example.com" not found in state store ${state}\n`)
    const empty = await runKforge(['get', 'clusters', '--state', tempDir()])
    expect(empty.stdout).toMatch(/^No clusters in state store /)
  })
})

describe('replace -f', () => {
  it('validates, then overwrites the stored spec', async () => {
    const dir = tempDir()
    const file = join(dir, 'cluster.yaml')
    writeFileSync(file, spec.replace(/minSize: 3\n {2}maxSize: 3/, 'minSize: 3\n  maxSize: 9'))
    const r = await kforge(['replace', '-f', file])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Replaced the spec of cluster "${NAME}"`)
    expect(stored()).toContain('maxSize: 9')
  })

  it('refuses an invalid file or an unknown cluster, leaving the store as it was', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'bad.yaml'), spec.replace('podCIDR: 100.96.0.0/11', 'podCIDR: 10.0.0.0/11'))
    const bad = await runKforge(['replace', '-f', 'bad.yaml', '--state', state], {cwd: dir})
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toBe(
      'Error: bad.yaml: Cluster "demo.example.com": spec.networking.podCIDR (10.0.0.0/11) overlaps spec.networking.networkCIDR (10.0.0.0/16) (line 35)\n',
    )
    writeFileSync(join(dir, 'other.yaml'), spec.replaceAll(NAME, 'other.example.com'))
    const other = await runKforge(['replace', '-f', 'other.yaml', '--state', state], {cwd: dir})
    expect(other.code).not.toBe(0)
    expect(other.stderr).toBe(
      `Error: cluster "other.example.com" not found in state store ${state}; create it with "kforge create -f FILE"\n`,
    )
    expect(stored()).toBe(spec)
  })
})

describe('edit cluster', () => {
  it('saves a valid edit', async () => {
    const r = await kforge(['edit', 'cluster', NAME], {
      EDITOR: sedEditor('s/machineType: t3.medium/machineType: m5.large/'),
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Saved the edited spec of cluster "${NAME}"`)
    expect(stored()).toBe(spec.replaceAll('machineType: t3.medium', 'machineType: m5.large'))
  })

  it('stores nothing when the editor changes nothing', async () => {
    const r = await kforge(['edit', 'cluster', NAME], {EDITOR: 'true'})
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('Edit cancelled: no changes were made.\n')
    expect(stored()).toBe(spec)
  })

  it('re-opens an invalid edit with the problems as comments, and refuses it when saved unchanged', async () => {
    const dir = tempDir()
    // Records what the editor was shown each time, then makes the same invalid change.
    const script = join(dir, 'editor.sh')
    writeFileSync(
      script,
      `#!/bin/sh\nn=$(ls ${dir} | grep -c shown)\ncp "$1" ${dir}/shown-$n.yaml\nsed -i 's/maxSize: 3/maxSize: 1/' "$1"\n`,
    )
    chmodSync(script, 0o755)
    const r = await kforge(['edit', 'cluster', NAME], {EDITOR: script})
    expect(r.code).not.toBe(0)
    const problem = `${NAME} (edited): InstanceGroup "nodes": spec.maxSize (1) must be >= spec.minSize (3)`
    expect(r.stderr).toMatch(
      /^Error: edit cluster demo\.example\.com: the edited spec is still not valid; nothing was saved\. Your edit is in \S+\.yaml\n/,
    )
    expect(r.stderr).toContain(problem)
    const second = readFileSync(join(dir, 'shown-1.yaml'), 'utf8')
    expect(second.split('\n').slice(0, 3)).toEqual([
      '# kforge: the edited spec is not valid and was not saved. Fix the problems below and save,',
      '# or exit without changes to give up (the stored spec stays as it was).',
      expect.stringMatching(new RegExp(`^# ${problem.replace(/[()".]/g, '\\$&')} \\(line \\d+\\)$`)),
    ])
    expect(stored()).toBe(spec)
  })

  it('accepts a fix made after the problems are shown', async () => {
    const dir = tempDir()
    const script = join(dir, 'editor.sh')
    // First pass breaks the nodes group (max 1 < min 3); second pass (problems on top) lowers min.
    writeFileSync(
      script,
      `#!/bin/sh\nif grep -q '^# kforge:' "$1"; then sed -i 's/minSize: 3/minSize: 1/' "$1"; else sed -i 's/maxSize: 3/maxSize: 1/' "$1"; fi\n`,
    )
    chmodSync(script, 0o755)
    const r = await kforge(['edit', 'cluster', NAME], {EDITOR: script})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(stored()).toBe(spec.replace(/minSize: 3\n {2}maxSize: 3/, 'minSize: 1\n  maxSize: 1'))
    expect(stored()).not.toContain('# kforge')
  })

  it('refuses a rename and reports a failing editor', async () => {
    const rename = await kforge(['edit', 'cluster', NAME], {
      EDITOR: sedEditor('s/demo\\.example\\.com/x.example.com/g'),
    })
    expect(rename.code).not.toBe(0)
    expect(rename.stderr).toContain(
      'metadata.name cannot change in an edit (was "demo.example.com", now "x.example.com")',
    )
    const failing = await kforge(['edit', 'cluster', NAME], {EDITOR: 'false'})
    expect(failing.code).not.toBe(0)
    expect(failing.stderr).toMatch(/^Error: editor "false" exited with status 1; nothing was saved/)
    expect(stored()).toBe(spec)
  })
})
