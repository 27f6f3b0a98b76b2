/**
 * The termination watcher on each instance: the boot script of every group with the termination
 * hook (not bastions) runs `kforge termination install` once the node has joined; the unit it
 * writes is the same everywhere and passes systemd-analyze. (That the watcher then finds its own
 * group and hook as the model names them: test/integration/termination-watcher.test.ts.)
 */
import {execFile, execFileSync} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {
  installWatcher,
  WATCHER_UNIT_PATH,
  WATCHER_UNIT_TEXT,
} from '../../../src/assets/agent/termination-unit.js'
import {buildModel} from '../../../src/cloud/aws/build/index.js'
import {placeholderAssets} from '../../../src/render/placeholder.js'
import {renderClusterUserData} from '../../../src/render/render.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'
import {tempDir} from '../../support/cli.js'

const cluster = haPrivateCluster()
const rendered = renderClusterUserData(
  cluster,
  placeholderAssets(cluster, {stateStore: 's3://kforge-render-test/state'}),
)
const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = buildModel(cluster, {images: new Map(cluster.instanceGroups.map((g) => [g.name, image]))})

function bootScript(cloudConfig: string): string {
  const written = (parse(cloudConfig) as {write_files: {path: string; content: string}[]}).write_files
  return written.find((f) => f.path === '/usr/local/lib/kforge/bootstrap.sh')!.content
}

describe('the termination watcher', () => {
  it('is installed by the boot script after the node joined, on every group with the hook', () => {
    for (const r of rendered) {
      const hooked = model.resources.some((x) => x.name === `hook-${r.group}`)
      expect(hooked, r.group).toBe(r.template !== 'bastion')
      const script = bootScript(r.cloudConfig)
      if (!hooked) {
        expect(script).not.toContain('termination')
        continue
      }
      const steps = [...script.matchAll(/^step (\S+)/gm)].map((m) => m[1])
      const boot = r.template === 'control-plane-init' ? 'claim' : 'join'
      // control planes start their node-identity service first (src/identity)
      const identity = r.template === 'node' ? [] : ['identity']
      expect(steps.slice(steps.indexOf(boot)), r.group).toEqual([boot, ...identity, 'termination-watcher'])
      expect(script).toContain('\nstep termination-watcher kforge termination install\n')
      execFileSync('bash', ['-n'], {input: script})
    }
  })

  it('install writes the one unit every instance runs (0644); the watcher finds the rest on the node', async () => {
    const root = tempDir('kforge-watcher-root-')
    const path = await installWatcher(root)
    expect(path).toBe(join(root, WATCHER_UNIT_PATH))
    expect(readFileSync(path, 'utf8')).toBe(WATCHER_UNIT_TEXT)
    expect(statSync(path).mode & 0o777).toBe(0o644)
    expect(WATCHER_UNIT_TEXT).toMatch(/^ExecStart=\/usr\/local\/bin\/kforge termination watch$/m)
    expect(WATCHER_UNIT_TEXT).toMatch(/^After=network-online\.target kubelet\.service$/m)
    expect(WATCHER_UNIT_TEXT).toMatch(/^Restart=on-failure$/m)
    expect(WATCHER_UNIT_TEXT).toMatch(/^WantedBy=multi-user\.target$/m)
  })

  it('passes systemd-analyze verify', async () => {
    const dir = tempDir('kforge-units-')
    const file = join(dir, 'kforge-termination-watcher.service')
    writeFileSync(file, WATCHER_UNIT_TEXT)
    const output = await new Promise<string>((resolve) =>
      execFile('systemd-analyze', ['verify', '--man=no', file], (_err, out, err) => resolve(`${out}${err}`)),
    )
    // The agent wrapper is installed at boot, not on this machine: the only complaint allowed.
    const complaints = output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => !l.includes('Command /usr/local/bin/kforge is not executable'))
    expect(complaints, output).toEqual([])
  })
})
