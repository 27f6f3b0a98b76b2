/**
 * The node agent bundle as an instance runs it: one file, `node kforge.mjs ...`, decrypting the
 * assets manifest with KMS (the emulator's) as the boot script's "assets" step does.
 */
import {execFile} from 'node:child_process'
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {seal} from '../../../src/assets/kms.js'
import {nodeAgentKey, publishNodeAgent} from '../../../src/assets/node-agent.js'
import {buildNodeAgent, type NodeAgentBundle} from '../../../src/assets/node-agent-build.js'
import {LocalStateStore} from '../../../src/state/local.js'
import type {StateStore} from '../../../src/state/store.js'
import {createKmsKey, emulatorKms} from '../../fixtures/render/material.js'
import {emulatorEnv} from '../../support/aws-env.js'
import {tempDir} from '../../support/cli.js'

const dir = tempDir('kforge-agent-')
const agent = join(dir, 'kforge.mjs')
let bundle: NodeAgentBundle

function node(
  args: string[],
  env: Record<string, string> = {},
): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [agent, ...args],
      {cwd: dir, env: {...process.env, ...env}},
      (err, stdout, stderr) =>
        resolve({code: err ? ((err as {code?: number}).code ?? 1) : 0, stdout, stderr}),
    )
  })
}

beforeAll(async () => {
  bundle = await buildNodeAgent()
  writeFileSync(agent, bundle.code)
}, 120_000)

describe('the node agent bundle', () => {
  it('is deterministic: building again gives the same bytes', async () => {
    const again = await buildNodeAgent()
    expect(again.sha256).toBe(bundle.sha256)
  }, 120_000)

  it('runs alone (one file, no node_modules) and lists the node commands', async () => {
    const version = await node(['version'])
    expect(version.stdout).toMatch(/^kforge node agent \d+\.\d+\.\d+/)
    const help = await node(['--help'])
    expect(help.stdout).toContain('kforge assets decrypt')
    for (const id of bundle.commands) expect(help.stdout).toContain(`kforge ${id.replaceAll(':', ' ')}`)
    const unknown = await node(['frobnicate'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
    const commandHelp = await node(['assets', 'decrypt', '--help'])
    expect(commandHelp.stdout).toContain('--manifest')
  })

  it('decrypts the assets manifest with KMS into the root dir', async () => {
    const keyArn = await createKmsKey()
    const secret = Buffer.from('-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n')
    const token = Buffer.from('abcdef.0123456789abcdef')
    const big = Buffer.alloc(9000, 'k')
    const kms = emulatorKms()
    const cluster = 'agent.example.com'
    const entry = async (name: string, path: string, plaintext: Buffer) => ({
      name,
      path,
      mode: '0600',
      ciphertext: await seal(kms, {keyId: keyArn, cluster, name}, plaintext),
    })
    const manifest = {
      cluster,
      region: 'us-east-1',
      assets: [
        await entry('ca.key', '/etc/kubernetes/pki/ca.key', secret),
        await entry('bootstrap-token', '/etc/kforge/secrets/bootstrap-token', token),
        await entry('large', '/etc/kforge/secrets/large', big),
      ],
    }
    writeFileSync(join(dir, 'assets.json'), JSON.stringify(manifest))
    const root = join(dir, 'root')
    mkdirSync(root)
    const run = await node(
      ['assets', 'decrypt', '--manifest', join(dir, 'assets.json'), '--root-dir', root],
      emulatorEnv('us-east-1'),
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('decrypted /etc/kforge/secrets/bootstrap-token')
    expect(run.stdout + run.stderr).not.toContain('0123456789abcdef')
    expect(readFileSync(join(root, 'etc/kubernetes/pki/ca.key')).equals(secret)).toBe(true)
    expect(readFileSync(join(root, 'etc/kforge/secrets/bootstrap-token')).equals(token)).toBe(true)
    expect(readFileSync(join(root, 'etc/kforge/secrets/large')).equals(big)).toBe(true)
    expect(statSync(join(root, 'etc/kforge/secrets/bootstrap-token')).mode & 0o777).toBe(0o600)
    expect(statSync(join(root, 'etc/kforge/secrets')).mode & 0o777).toBe(0o700)
  })

  it('fails with the asset and key named when KMS refuses', async () => {
    const manifest = {
      cluster: 'agent.example.com',
      region: 'us-east-1',
      assets: [
        {
          name: 'ca.key',
          path: '/etc/kubernetes/pki/ca.key',
          mode: '0600',
          ciphertext: {scheme: 'kms', keyId: 'arn:aws:kms:us-east-1:123456789012:key/missing', blob: 'AAAA'},
        },
      ],
    }
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(manifest))
    const run = await node(
      ['assets', 'decrypt', '--manifest', join(dir, 'bad.json'), '--root-dir', join(dir, 'bad-root')],
      emulatorEnv(),
    )
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(
      'KMS Decrypt of asset "ca.key" with key arn:aws:kms:us-east-1:123456789012:key/missing failed',
    )
  })
})

describe('publishNodeAgent', () => {
  it('stores the bundle and its sha256 next to the cluster assets, content-addressed', async () => {
    const writes: string[] = []
    const inner = new LocalStateStore(join(dir, 'state'))
    const store: StateStore = {
      location: 's3://kforge-agent-test/state',
      read: (k) => inner.read(k),
      write: (k, b, o) => {
        writes.push(k)
        return inner.write(k, b, o)
      },
      createIfAbsent: (k, b, o) => inner.createIfAbsent(k, b, o),
      replaceIf: (k, e, b, o) => inner.replaceIf(k, e, b, o),
      deleteIf: (k, e) => inner.deleteIf(k, e),
      list: (p) => inner.list(p),
      delete: (k) => inner.delete(k),
    }
    const fake = {code: Buffer.from('agent'), sha256: 'b'.repeat(64), commands: []}
    fake.sha256 = (await import('node:crypto')).createHash('sha256').update(fake.code).digest('hex')
    const remote = await publishNodeAgent(store, 'agent.example.com', fake)
    const key = nodeAgentKey('agent.example.com', fake.sha256)
    expect(remote).toEqual({url: `s3://kforge-agent-test/state/${key}`, sha256: fake.sha256})
    expect((await inner.read(`${key}.sha256`))!.toString()).toBe(`${fake.sha256}  kforge.mjs\n`)
    await publishNodeAgent(store, 'agent.example.com', fake)
    expect(writes).toEqual([key, `${key}.sha256`]) // the second publish found it there
  })

  it('refuses a local state store, which instances cannot read', async () => {
    await expect(
      publishNodeAgent(new LocalStateStore(join(dir, 'local')), 'c', {
        code: Buffer.from(''),
        sha256: '0',
        commands: [],
      }),
    ).rejects.toThrow(/is a local directory: instances fetch the kforge node agent from the state store/)
  })
})
