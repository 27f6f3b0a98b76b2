/**
 * The boot scripts run for real under bash: their syntax, the failure trap, the log file, IMDSv2,
 * checksum-verified and SigV4-signed downloads (against a loopback IMDS stand-in, a loopback HTTP
 * server and the moto S3 emulator), and the token splice into the kubeadm config.
 */
import {execFileSync, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {CreateBucketCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {parse} from 'yaml'
import {placeholderAssets} from '../../../src/render/placeholder.js'
import {renderClusterUserData} from '../../../src/render/render.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'
import {tempDir} from '../../support/cli.js'

const cluster = haPrivateCluster('boot.example.com')
const rendered = renderClusterUserData(cluster, placeholderAssets(cluster))
const files = (cloudConfig: string) =>
  new Map(
    (parse(cloudConfig) as {write_files: Array<{path: string; content: string}>}).write_files.map((f) => [
      f.path,
      f.content,
    ]),
  )
const nodeLib = files(rendered.find((r) => r.group === 'nodes')!.cloudConfig).get(
  '/usr/local/lib/kforge/lib.sh',
)!

interface Run {
  code: number
  out: string
}

function bash(script: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      env: {...process.env, ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? 1, out}))
  })
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  )
}

describe('rendered scripts', () => {
  it('are valid bash, for every template and the stub', () => {
    const scripts: string[] = []
    for (const r of rendered) {
      for (const [path, content] of files(r.cloudConfig)) if (path.endsWith('.sh')) scripts.push(content)
    }
    expect(scripts.length).toBeGreaterThanOrEqual(12)
    for (const script of scripts) execFileSync('bash', ['-n'], {input: script})
  })
})

describe('the boot library', () => {
  const dir = tempDir('kforge-boot-')
  const lib = join(dir, 'lib.sh')
  writeFileSync(lib, nodeLib)

  it('logs each step to stdout and the log file, and stops at the first failure with a clear line', async () => {
    const log = join(dir, 'fail.log')
    const script = join(dir, 'boot.sh')
    writeFileSync(
      script,
      `set -Eeuo pipefail\n. ${lib}\nkforge_start 'test boot'\nstep one true\nstep two false\nstep three echo never-printed\nkforge_finish 'test boot'\n`,
    )
    const run = await bash(`bash ${script}`, {KFORGE_LOG: log})
    expect(run.code).toBe(1)
    expect(run.out).toMatch(/kforge\[one\]: start\n.*kforge\[one\]: done\n/)
    expect(run.out).toContain(`kforge[two]: FAILED (exit 1) at ${script}:5: false\n`)
    expect(run.out).toContain(`kforge[two]: boot stopped; the full log is ${log}`)
    expect(run.out).not.toContain('never-printed')
    expect(run.out).not.toContain('complete')
    const logged = readFileSync(log, 'utf8')
    expect(logged).toContain(`kforge[two]: FAILED (exit 1) at ${script}:5: false`)
    expect(logged).toContain('kforge[start]: test boot begins')
  })

  it('reports a failing command substitution once, at its caller', async () => {
    const run = await bash(
      `set -Eeuo pipefail; . ${lib}; kforge_start t\nf() { local x; x=$(false); }\nstep sub f`,
      {
        KFORGE_LOG: join(dir, 'sub.log'),
      },
    )
    expect(run.code).toBe(1)
    expect(run.out.match(/FAILED/g)).toHaveLength(1)
  })

  describe('with a loopback IMDS and file server', () => {
    const agent = Buffer.from('console.log("kforge node agent")\n')
    const agentSum = createHash('sha256').update(agent).digest('hex')
    let seen: IncomingHttpHeaders[] = []
    let base = ''
    const server = createServer((req, res) => {
      seen.push(req.headers)
      const tokenOk = req.headers['x-aws-ec2-metadata-token'] === 'imds-session'
      if (req.method === 'PUT' && req.url === '/latest/api/token') {
        if (req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== '300')
          return void res.writeHead(400).end()
        return void res.end('imds-session')
      }
      if (req.url?.startsWith('/latest/') && !tokenOk) return void res.writeHead(401).end() // IMDSv2 only
      if (req.url === '/latest/meta-data/local-hostname') return void res.end('ip-10-0-1-5.ec2.internal')
      if (req.url === '/latest/meta-data/iam/security-credentials/') return void res.end('kforge-node-role')
      if (req.url === '/latest/meta-data/iam/security-credentials/kforge-node-role') {
        return void res.end(
          '{\n  "Code" : "Success",\n  "AccessKeyId" : "ASIATESTKEY",\n  "SecretAccessKey" : "c2VjcmV0/+key",\n  "Token" : "session-token-xyz",\n  "Expiration" : "2030-01-01T00:00:00Z"\n}',
        )
      }
      if (req.url === '/files/agent.mjs') return void res.end(agent)
      res.writeHead(404).end()
    })
    beforeAll(async () => {
      base = await listen(server)
    })
    afterAll(() => new Promise<void>((r) => server.close(() => r())))

    it('sets the hostname to the private DNS name read through IMDSv2', async () => {
      const bin = join(dir, 'bin')
      mkdirSync(bin, {recursive: true})
      writeFileSync(join(bin, 'hostnamectl'), `#!/bin/sh\necho "$@" > ${dir}/hostnamectl.args\n`)
      chmodSync(join(bin, 'hostnamectl'), 0o755)
      const run = await bash(`set -Eeuo pipefail; . ${lib}; kforge_start t; step hostname set_hostname`, {
        KFORGE_LOG: join(dir, 'host.log'),
        KFORGE_IMDS: base,
        PATH: `${bin}:${process.env.PATH}`,
      })
      expect(run.code, run.out).toBe(0)
      expect(readFileSync(join(dir, 'hostnamectl.args'), 'utf8')).toBe(
        'set-hostname ip-10-0-1-5.ec2.internal\n',
      )
    })

    it('keeps a download only when its sha256 matches', async () => {
      const out = join(dir, 'agent', 'kforge.mjs')
      const good = await bash(
        `set -Eeuo pipefail; . ${lib}; kforge_start t; step agent fetch_verified ${base}/files/agent.mjs ${agentSum} ${out} -`,
        {
          KFORGE_LOG: join(dir, 'fetch.log'),
        },
      )
      expect(good.code, good.out).toBe(0)
      expect(readFileSync(out).equals(agent)).toBe(true)

      const bad = join(dir, 'agent', 'tampered.mjs')
      const wrong = 'f'.repeat(64)
      const refused = await bash(
        `set -Eeuo pipefail; . ${lib}; kforge_start t; step agent fetch_verified ${base}/files/agent.mjs ${wrong} ${bad} -`,
        {
          KFORGE_LOG: join(dir, 'fetch-bad.log'),
        },
      )
      expect(refused.code).not.toBe(0)
      expect(refused.out).toContain(
        `checksum mismatch: ${base}/files/agent.mjs does not have sha256 ${wrong}`,
      )
      expect(refused.out).toContain(
        `kforge[agent]: FAILED (exit 1) at main:1: fetch_verified ${base}/files/agent.mjs`,
      )
      expect(existsSync(bad) || existsSync(`${bad}.part`)).toBe(false)
    })

    it('signs S3 requests with the instance role credentials (SigV4 and the session token)', async () => {
      seen = []
      const out = join(dir, 'signed.mjs')
      const run = await bash(
        `set -Eeuo pipefail; . ${lib}; kforge_start t; step agent fetch_verified ${base}/files/agent.mjs ${agentSum} ${out} eu-west-1`,
        {
          KFORGE_LOG: join(dir, 'signed.log'),
          KFORGE_IMDS: base,
        },
      )
      expect(run.code, run.out).toBe(0)
      const fileRequest = seen.find((h) => typeof h.authorization === 'string')!
      expect(fileRequest.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=ASIATESTKEY\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/,
      )
      expect(fileRequest['x-amz-security-token']).toBe('session-token-xyz')
      expect(run.out).not.toContain('c2VjcmV0')
    })

    it('fetches from S3 (moto) with those signed requests', async () => {
      const endpoint = inject('awsEndpoint')
      const s3 = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
      })
      await s3.send(new CreateBucketCommand({Bucket: 'kforge-boot-scripts-test'}))
      await s3.send(
        new PutObjectCommand({Bucket: 'kforge-boot-scripts-test', Key: 'a/kforge.mjs', Body: agent}),
      )
      const out = join(dir, 'from-s3.mjs')
      const run = await bash(
        `set -Eeuo pipefail; . ${lib}; kforge_start t; step agent fetch_verified ${endpoint}/kforge-boot-scripts-test/a/kforge.mjs ${agentSum} ${out} us-east-1`,
        {KFORGE_LOG: join(dir, 's3.log'), KFORGE_IMDS: base},
      )
      expect(run.code, run.out).toBe(0)
      expect(readFileSync(out).equals(agent)).toBe(true)
    })
  })

  it('writes the kubeadm configs 0600 (they hold no token: joining instances get one through node identity)', async () => {
    const etc = join(dir, 'etc-kforge')
    mkdirSync(etc, {recursive: true})
    const config = 'discovery:\n  bootstrapToken:\n    token: ""\n    caCertHashes: [sha256:00]\n'
    writeFileSync(join(etc, 'kubeadm.yaml.in'), config)
    const relocated = join(dir, 'lib-relocated.sh')
    writeFileSync(relocated, nodeLib.replaceAll('/etc/kforge/', `${etc}/`))
    const run = await bash(
      `set -Eeuo pipefail; . ${relocated}; kforge_start t; step kubeadm-config write_kubeadm_config`,
      {KFORGE_LOG: join(dir, 'kubeadm.log')},
    )
    expect(run.code, run.out).toBe(0)
    expect(readFileSync(join(etc, 'kubeadm.yaml'), 'utf8')).toBe(config)
    expect(statSync(join(etc, 'kubeadm.yaml')).mode & 0o777).toBe(0o600)
    // the first group's join config is absent on other groups: skipped, not an error
    expect(existsSync(join(etc, 'kubeadm-join.yaml'))).toBe(false)
  })

  it('keeps the boot log readable by root only', async () => {
    const log = join(dir, 'private', 'boot.log')
    const run = await bash(`set -Eeuo pipefail; umask 022; . ${lib}; kforge_start t; step hello echo hello`, {
      KFORGE_LOG: log,
    })
    expect(run.code, run.out).toBe(0)
    expect(statSync(log).mode & 0o777).toBe(0o600)
    expect(readFileSync(log, 'utf8')).toContain('hello')
  })
})
