/**
 * `kforge validate -f` beyond the spec: it renders every instance group's cloud-config and reports
 * what cloud-init or EC2 would trip on, each problem naming the rendered line and, for a problem in
 * a group's additionalCloudConfig, the line of the spec file the user wrote it on.
 */
import {createHash} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {loadSpec} from '../../src/api/v1alpha1/index.js'
import {placeholderAssets} from '../../src/render/placeholder.js'
import {renderCloudConfig} from '../../src/render/render.js'
import {printedSpec} from '../fixtures/spec/printed.js'
import {runKforge, tempDir} from '../support/cli.js'

let base: string

beforeAll(async () => {
  const printed = await printedSpec('us-east-1a')
  expect(printed.code).toBe(0)
  base = printed.stdout
})

/** The printed spec with a literal-block fragment appended to the `nodes` group (the last document). */
function withFragment(fragment: string[]): string {
  expect(base.endsWith('  cloudLabels: {}\n')).toBe(true)
  return `${base}  additionalCloudConfig: |\n${fragment.map((l) => `    ${l}`).join('\n')}\n`
}

/** 1-based line of the first line of `text` that contains `needle`. */
const lineWith = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1

/** The nodes group's cloud-config as the renderer writes it (independently of the validator). */
function renderedNodes(spec: string): string {
  const cluster = loadSpec(spec, 'x.yaml')
  const group = cluster.instanceGroups.find((g) => g.name === 'nodes')!
  return renderCloudConfig({cluster, group, assets: placeholderAssets(cluster)}).text
}

function write(text: string, name = 'cluster.yaml'): string {
  const dir = tempDir()
  writeFileSync(join(dir, name), text)
  return dir
}

describe('validate -f: rendered cloud-config', () => {
  it('reports an unknown key and a wrong type in additionalCloudConfig with the rendered line and the spec line', async () => {
    const spec = withFragment([
      '#cloud-config',
      'packages: [jq]',
      'interrface: eth0',
      'package_update: "yes"',
    ])
    const dir = write(spec)
    const r = await runKforge(['validate', '-f', 'cluster.yaml', '--state', tempDir()], {cwd: dir})
    expect(r.code).not.toBe(0)
    const rendered = renderedNodes(spec)
    const unknown = lineWith(rendered, 'interrface:')
    const wrongType = lineWith(rendered, 'package_update:')
    expect(unknown).toBeGreaterThan(1)
    expect(r.stderr.split('\n')).toEqual([
      `Error: cluster.yaml: userdata/nodes: line ${unknown}: unknown key "interrface" (InstanceGroup "nodes" spec.additionalCloudConfig line 3, cluster.yaml line ${lineWith(spec, 'interrface:')})`,
      `cluster.yaml: userdata/nodes: line ${wrongType}: package_update: expected a boolean, got a string ("yes") (InstanceGroup "nodes" spec.additionalCloudConfig line 4, cluster.yaml line ${lineWith(spec, 'package_update:')})`,
      '',
    ])
    expect(r.stdout).toBe('')

    const json = await runKforge(['validate', '-f', 'cluster.yaml', '-o', 'json'], {cwd: dir})
    expect(json.code).toBe(1)
    const result = JSON.parse(json.stdout) as {valid: boolean; passed: string[]; problems: string[]}
    expect(result.valid).toBe(false)
    expect(result.passed).toEqual([expect.stringMatching(/^spec: Cluster "demo.example.com"/)])
    expect(result.problems).toHaveLength(2)
  })

  it('reports a document too large for user-data when the --state store cannot serve it, at the line that crosses the limit', async () => {
    const keys = Array.from(
      {length: 400},
      (_, i) => `  - "ssh-ed25519 ${createHash('sha512').update(String(i)).digest('base64')}"`,
    )
    const spec = withFragment(['ssh_authorized_keys:', ...keys])
    const dir = write(spec, 'big.yaml')
    const local = tempDir()
    const r = await runKforge(['validate', '-f', 'big.yaml', '--state', local], {cwd: dir})
    expect(r.code).not.toBe(0)
    const rendered = renderedNodes(spec)
    const bytes = Buffer.byteLength(rendered)
    expect(bytes).toBeGreaterThan(16384)
    // The line holding byte 16384 of the rendered document, and where that line is in big.yaml.
    const crossing = Buffer.from(rendered).subarray(0, 16384).toString().split('\n').length
    const text = rendered.split('\n')[crossing - 1]!.trim()
    const fragmentLine = ['ssh_authorized_keys:', ...keys].findIndex((l) => l.trim() === text) + 1
    expect(fragmentLine).toBeGreaterThan(1)
    expect(r.stderr).toBe(
      `Error: big.yaml: userdata/nodes: line ${crossing}: the cloud-config is ${bytes} bytes, over EC2's 16384-byte user-data limit even compressed, and the state store "${local}" is not in S3, so instances cannot fetch it: use an s3:// state store (--state), or make the group smaller (spec.additionalCloudConfig) (InstanceGroup "nodes" spec.additionalCloudConfig line ${fragmentLine}, big.yaml line ${lineWith(spec, text)})\n`,
    )

    // An S3 store serves it to instances through a small stub: nothing to report.
    const s3 = await runKforge(['validate', '-f', 'big.yaml', '--state', 's3://kforge-state/clusters'], {
      cwd: dir,
    })
    expect(s3.stderr).toBe('')
    expect(s3.code).toBe(0)
    expect(s3.stdout).toContain(
      'OK userdata: 2 instance groups render to valid cloud-config that EC2 user-data can carry\n',
    )
  })

  it('checks a fragment that is not a mapping in the spec phase, before anything is rendered', async () => {
    const spec = withFragment(['- jq', '- curl'])
    const r = await runKforge(['validate', '-f', 'cluster.yaml'], {cwd: write(spec)})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(
      `Error: cluster.yaml: InstanceGroup "nodes": spec.additionalCloudConfig must be a YAML mapping of cloud-config keys (like "packages: [jq]"), got a list (line ${lineWith(spec, 'additionalCloudConfig:')})\n`,
    )
  })
})

describe('control-plane layout', () => {
  it('three control-plane nodes in one zone: one group of one each, valid and rendered', async () => {
    const printed = await printedSpec('us-east-1a', '--control-plane-count', '3')
    expect(printed.code).toBe(0)
    const names = [...printed.stdout.matchAll(/^ {2}name: (control-plane\S*)$/gm)].map((m) => m[1])
    expect(names).toEqual([
      'control-plane-us-east-1a-1',
      'control-plane-us-east-1a-2',
      'control-plane-us-east-1a-3',
    ])
    const dir = write(printed.stdout)
    const ok = await runKforge(['validate', '-f', 'cluster.yaml', '--state', tempDir()], {cwd: dir})
    expect(ok.stderr).toBe('')
    expect(ok.stdout).toBe(
      'OK spec: Cluster "demo.example.com" v1.37.2 with control-plane-us-east-1a-1 (control-plane), control-plane-us-east-1a-2 (control-plane), control-plane-us-east-1a-3 (control-plane), nodes (node)\n' +
        'OK userdata: 4 instance groups render to valid cloud-config that EC2 user-data can carry\n',
    )

    // Growing one group instead of adding groups is refused, naming the field and its line.
    const grown = printed.stdout.replace(
      /(name: control-plane-us-east-1a-2\n[\s\S]*?minSize: 1\n {2}maxSize: )1/,
      '$12',
    )
    writeFileSync(join(dir, 'grown.yaml'), grown)
    const bad = await runKforge(['validate', '-f', 'grown.yaml'], {cwd: dir})
    expect(bad.code).not.toBe(0)
    const line = grown.split('\n').indexOf('  maxSize: 2') + 1
    expect(line).toBeGreaterThan(0)
    expect(bad.stderr).toBe(
      'Error: grown.yaml: InstanceGroup "control-plane-us-east-1a-2": spec.maxSize (2) must be 1 in a control-plane group: ' +
        'kforge runs one group per control-plane node, so each keeps its etcd member and identity when its instance is replaced, ' +
        'and the first control-plane group runs `kforge init`; add one group per extra node instead (as create cluster does: control-plane-<zone>-1, control-plane-<zone>-2, ...)' +
        ` (line ${line})\n`,
    )
  })
})
