/**
 * The node agent bundle as an instance runs it: one file, `node kforge.mjs ...`, fetching its role's
 * bundle from S3 and decrypting it with KMS (the emulator's) as the boot script's "assets" step does.
 */
import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CreateBucketCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {seal} from '../../../src/assets/kms.js'
import {nodeAgentKey, publishNodeAgent} from '../../../src/assets/node-agent.js'
import {buildNodeAgent, type NodeAgentBundle} from '../../../src/assets/node-agent-build.js'
import {type BundleFile, encodeSecretsBundle} from '../../../src/assets/secrets-bundle.js'
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

const BUCKET = 'kforge-agent-bundles'
let made = false

async function bucket(): Promise<S3Client> {
  const s3 = new S3Client({
    endpoint: inject('awsEndpoint'),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
  })
  if (!made) await s3.send(new CreateBucketCommand({Bucket: BUCKET}))
  made = true
  return s3
}

let runs = 0

/** Store a bundle of `files` in the emulator's S3, reference it as user-data would, run the agent's boot step. */
async function decryptWith(
  cluster: string,
  role: 'control-plane',
  files: BundleFile[],
  sha256?: string,
): Promise<{code: number; stdout: string; stderr: string; root: string}> {
  const encoded = encodeSecretsBundle({cluster, role, files})
  const s3 = await bucket()
  await s3.send(new PutObjectCommand({Bucket: BUCKET, Key: `state/${encoded.key}`, Body: encoded.body}))
  const manifest = {
    cluster,
    region: 'us-east-1',
    secrets: {
      url: `s3://${BUCKET}/state/${encoded.key}`,
      region: 'us-east-1',
      role,
      sha256: sha256 ?? encoded.sha256,
    },
  }
  const n = ++runs
  writeFileSync(join(dir, `assets-${n}.json`), JSON.stringify(manifest))
  const root = join(dir, `root-${n}`)
  mkdirSync(root)
  const run = await node(
    ['assets', 'decrypt', '--manifest', join(dir, `assets-${n}.json`), '--root-dir', root],
    emulatorEnv('us-east-1'),
  )
  return {...run, root}
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

  it('fetches its role’s bundle from S3, checks it, and decrypts it with KMS into the root dir', async () => {
    const keyArn = await createKmsKey()
    const secret = Buffer.from('-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n')
    const big = Buffer.alloc(9000, 'k')
    const kms = emulatorKms()
    const cluster = 'agent.example.com'
    const role = 'control-plane' as const
    const sealed = async (name: string, path: string, plaintext: Buffer) => ({
      name,
      path,
      mode: '0600',
      ciphertext: await seal(kms, {keyId: keyArn, cluster, name, role}, plaintext),
    })
    const files = [
      await sealed('ca.key', '/etc/kubernetes/pki/ca.key', secret),
      await sealed('large', '/etc/kforge/secrets/large', big),
      {name: 'ca.crt', path: '/etc/kubernetes/pki/ca.crt', mode: '0644', content: 'a certificate\n'},
    ]
    const run = await decryptWith(cluster, role, files)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('decrypted /etc/kforge/secrets/large')
    // A boot log with a warning on every step hides the one that matters (NODE_ENV is "test" here).
    expect(run.stderr).toBe('')
    expect(run.stdout + run.stderr).not.toContain('not really')
    expect(readFileSync(join(run.root, 'etc/kubernetes/pki/ca.key')).equals(secret)).toBe(true)
    expect(readFileSync(join(run.root, 'etc/kforge/secrets/large')).equals(big)).toBe(true)
    expect(readFileSync(join(run.root, 'etc/kubernetes/pki/ca.crt'), 'utf8')).toBe('a certificate\n')
    expect(statSync(join(run.root, 'etc/kforge/secrets/large')).mode & 0o777).toBe(0o600)
    expect(statSync(join(run.root, 'etc/kforge/secrets')).mode & 0o777).toBe(0o700)
    expect(statSync(join(run.root, 'etc/kubernetes/pki/ca.crt')).mode & 0o777).toBe(0o644)
  })

  it('refuses a secret sealed for another role or cluster: KMS checks the encryption context', async () => {
    const keyArn = await createKmsKey()
    const kms = emulatorKms()
    const plaintext = Buffer.from('etcd ca key')
    for (const target of [
      {keyId: keyArn, cluster: 'agent.example.com', name: 'etcd/ca.key', role: 'node'},
      {keyId: keyArn, cluster: 'other.example.com', name: 'etcd/ca.key', role: 'control-plane'},
      {keyId: keyArn, cluster: 'agent.example.com', name: 'sa.key', role: 'control-plane'},
    ]) {
      const file = {
        name: 'etcd/ca.key',
        path: '/etc/kubernetes/pki/etcd/ca.key',
        mode: '0600',
        ciphertext: await seal(kms, target, plaintext),
      }
      const run = await decryptWith('agent.example.com', 'control-plane', [file])
      expect(run.code, JSON.stringify(target)).not.toBe(0)
      expect(run.stderr).toContain(`KMS Decrypt of asset "etcd/ca.key" with key ${keyArn} failed`)
      expect(existsSync(join(run.root, 'etc/kubernetes/pki/etcd/ca.key'))).toBe(false)
    }
  })

  it('refuses a bundle whose bytes are not the ones the user-data names', async () => {
    const files = [{name: 'ca.crt', path: '/etc/kubernetes/pki/ca.crt', mode: '0644', content: 'x\n'}]
    const run = await decryptWith('agent.example.com', 'control-plane', files, 'f'.repeat(64))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/sha256 [0-9a-f]{64} is not the f{64} the user-data names/)
    expect(existsSync(join(run.root, 'etc/kubernetes/pki/ca.crt'))).toBe(false)
  })

  it('fails with the object named when S3 has no bundle there', async () => {
    const manifest = {
      cluster: 'agent.example.com',
      region: 'us-east-1',
      secrets: {
        url: `s3://${BUCKET}/state/agent.example.com/secrets/control-plane/${'0'.repeat(64)}.json`,
        region: 'us-east-1',
        role: 'control-plane',
        sha256: '0'.repeat(64),
      },
    }
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(manifest))
    await bucket()
    const run = await node(
      ['assets', 'decrypt', '--manifest', join(dir, 'bad.json'), '--root-dir', join(dir, 'bad-root')],
      emulatorEnv(),
    )
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`fetching the control-plane files ${manifest.secrets.url}`)
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
