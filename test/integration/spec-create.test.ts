/** `create cluster` / `create -f` / `validate -f` through the built CLI, with a temp state store. */
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {SCHEMA_MODELINE} from '../../src/api/v1alpha1/render.js'
import {printedSpec} from '../fixtures/spec/printed.js'
import {runKforge, tempDir} from '../support/cli.js'

const ZONES = 'us-east-1a,us-east-1b,us-east-1c'

/** Every file under `dir` with its bytes: "the state store did not change" is equality of these. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e)
      if (statSync(p).isDirectory()) walk(p)
      else out[p.slice(dir.length)] = readFileSync(p, 'utf8')
    }
  }
  walk(dir)
  return out
}

describe('create cluster --dry-run', () => {
  it('prints a complete spec that create -f accepts back byte for byte, storing nothing', async () => {
    const state = tempDir()
    const printed = await printedSpec(ZONES, '--state', state)
    expect(printed.stderr).toBe('')
    expect(printed.code).toBe(0)
    // The first line points editors at the published schema; the Cluster document follows.
    expect(
      printed.stdout.startsWith(`${SCHEMA_MODELINE}apiVersion: kforge.dev/v1alpha1\nkind: Cluster\n`),
    ).toBe(true)
    expect(printed.stdout.match(/^kind: InstanceGroup$/gm)).toHaveLength(4)
    expect(snapshot(state)).toEqual({})

    const file = join(tempDir(), 'cluster.yaml')
    writeFileSync(file, printed.stdout)
    const again = await runKforge(['create', '-f', file, '--dry-run', '-o', 'yaml', '--state', state])
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(printed.stdout)
    expect(snapshot(state)).toEqual({})

    const stored = await runKforge(['create', '-f', file, '--state', state])
    expect(stored.code).toBe(0)
    expect(stored.stdout).toContain('kforge update cluster demo.example.com --yes')
    expect(snapshot(state)).toEqual({'/demo.example.com/config.yaml': printed.stdout})
  })

  it('prints a summary as text and the documents as JSON', async () => {
    const text = await runKforge([
      'create',
      'cluster',
      'demo.example.com',
      '--zones',
      ZONES,
      '--topology',
      'private',
      '--bastion',
      '--dry-run',
    ])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(
      /^bastions\s+bastion\s+t3\.micro\s+1\s+1\s+utility-us-east-1a,utility-us-east-1b,utility-us-east-1c$/m,
    )
    expect(text.stdout).toContain('Dry run: nothing was stored.')
    const json = await runKforge([
      'create',
      'cluster',
      'demo.example.com',
      '--zones',
      'us-east-1a',
      '--dry-run',
      '--json',
    ])
    const docs = JSON.parse(json.stdout) as Array<{kind: string; metadata: {name: string}}>
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Cluster/demo.example.com',
      'InstanceGroup/control-plane-us-east-1a',
      'InstanceGroup/nodes',
    ])
  })

  it('imports an SSH public key file and refuses a private key', async () => {
    const dir = tempDir()
    const pub = join(dir, 'id.pub')
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm6aCk0zSc1lpWzL6Qn9xv0Vh0O3v5E3Z3Kp2c0yJzM ops@example'
    writeFileSync(pub, `${key}\n`)
    const ok = await printedSpec('us-east-1a', '--ssh-public-key', pub)
    expect(ok.stdout).toContain(`publicKey: ${key}\n`)
    const priv = join(dir, 'id')
    writeFileSync(priv, '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n')
    const bad = await runKforge([
      'create',
      'cluster',
      'demo.example.com',
      '--zones',
      'us-east-1a',
      '--ssh-public-key',
      priv,
      '--dry-run',
    ])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toBe(
      `Error: --ssh-public-key ${priv}: this is a private key; pass the public key (the .pub file)\n`,
    )
  })
})

describe('bad input changes nothing', () => {
  it('create cluster with an even control-plane count exits non-zero and stores nothing', async () => {
    const state = tempDir()
    const r = await runKforge([
      'create',
      'cluster',
      'demo.example.com',
      '--zones',
      ZONES,
      '--control-plane-count',
      '2',
      '--state',
      state,
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      'Cluster "demo.example.com": control-plane size must be odd and at most 7 for etcd quorum',
    )
    expect(snapshot(state)).toEqual({})
  })

  it('create -f of an invalid file lists every problem and stores nothing', async () => {
    const state = tempDir()
    const printed = await printedSpec(ZONES)
    const broken = printed.stdout
      .replace('networkCIDR: 10.0.0.0/16', 'networkCIDR: 10.0.0.0/16\n    networkCidrs: []')
      .replace('kubernetesVersion: v1.37.2', 'kubernetesVersion: v1.27.0')
    const dir = tempDir()
    writeFileSync(join(dir, 'cluster.yaml'), broken)
    const r = await runKforge(['create', '-f', 'cluster.yaml', '--state', state], {cwd: dir})
    expect(r.code).not.toBe(0)
    // Shape problems come first and alone: the semantic check runs once the shape is right.
    expect(r.stderr).toBe(
      'Error: cluster.yaml: Cluster "demo.example.com": spec.networking.networkCidrs: unknown field (did you mean "networkCIDR"?) (line 22)\n',
    )
    writeFileSync(
      join(dir, 'cluster.yaml'),
      broken.replace('\n    networkCidrs: []', '').replace('maxSize: 3', 'maxSize: 2'),
    )
    const r2 = await runKforge(['create', '-f', 'cluster.yaml', '--state', state], {cwd: dir})
    expect(r2.code).not.toBe(0)
    expect(r2.stderr.split('\n')).toEqual([
      'Error: cluster.yaml: Cluster "demo.example.com": spec.kubernetesVersion (v1.27.0) is not supported (supported: v1.35 to v1.37) (line 7)',
      expect.stringMatching(
        /^cluster\.yaml: InstanceGroup "nodes": spec\.maxSize \(2\) must be >= spec\.minSize \(3\) \(line \d+\)$/,
      ),
      '',
    ])
    expect(snapshot(state)).toEqual({})
  })

  it('malformed YAML names the line', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'cluster.yaml'),
      'apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: [demo\n',
    )
    const r = await runKforge(['validate', '-f', 'cluster.yaml'], {cwd: dir})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/^Error: cluster\.yaml: line 5: /)
  })

  it('a second create of the same cluster is refused and leaves the stored spec alone', async () => {
    const state = tempDir()
    expect(
      (await runKforge(['create', 'cluster', 'demo.example.com', '--zones', 'us-east-1a', '--state', state]))
        .code,
    ).toBe(0)
    const before = snapshot(state)
    const r = await runKforge(['create', 'cluster', 'demo.example.com', '--zones', ZONES, '--state', state])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(
      `Error: cluster "demo.example.com" already exists in state store ${state}; change it with "kforge replace -f FILE" or "kforge edit cluster demo.example.com"\n`,
    )
    expect(snapshot(state)).toEqual(before)
  })
})

describe('validate -f', () => {
  it('prints an OK summary for a valid spec and problems for an invalid one', async () => {
    const dir = tempDir()
    const printed = await printedSpec('us-east-1a')
    writeFileSync(join(dir, 'good.yaml'), printed.stdout)
    const ok = await runKforge(['validate', '-f', 'good.yaml'], {cwd: dir})
    expect(ok.code).toBe(0)
    expect(ok.stdout).toBe(
      'OK spec: Cluster "demo.example.com" v1.37.2 with control-plane-us-east-1a (control-plane), nodes (node)\n' +
        'OK userdata: 2 instance groups render to valid cloud-config that EC2 user-data can carry\n',
    )
    writeFileSync(
      join(dir, 'bad.yaml'),
      printed.stdout.replace(
        'zones:\n        - us-east-1a',
        'zones:\n        - us-east-1a\n        - eu-west-1a',
      ),
    )
    const bad = await runKforge(['validate', '-f', 'bad.yaml', '-o', 'json'], {cwd: dir})
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout)).toEqual({
      file: 'bad.yaml',
      valid: false,
      passed: [],
      problems: [
        'bad.yaml: Cluster "demo.example.com": spec.cloud.aws.zones[1] ("eu-west-1a") is not in region us-east-1 (line 14)',
      ],
    })
  })
})
