/**
 * The first control-plane group's rendered boot decides init or join from the state store: the
 * decision section of its bootstrap.sh runs under bash, with the real `kforge init claim` (the
 * built CLI) against S3 on the moto emulator. Only `kforge init` / `kforge join` themselves are
 * recorded instead of run.
 */
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import {placeholderAssets} from '../../src/render/placeholder.js'
import {renderClusterUserData} from '../../src/render/render.js'
import {haPrivateCluster} from '../fixtures/render/clusters.js'
import {emulatorEnv} from '../support/aws-env.js'
import {repoRoot, tempDir} from '../support/cli.js'
import {startImds} from '../support/imds.js'

const STORE = 's3://kforge-init-once-boot/prod'
const cluster = haPrivateCluster('first.example.com')
const first = renderClusterUserData(cluster, placeholderAssets(cluster, {stateStore: STORE})).find(
  (r) => r.template === 'control-plane-init',
)!
const files = new Map(
  (parse(first.cloudConfig) as {write_files: Array<{path: string; content: string}>}).write_files.map((f) => [
    f.path,
    f.content,
  ]),
)
const script = files.get('/usr/local/lib/kforge/bootstrap.sh')!
/** The assets manifest the boot writes before the claim: it names the cluster and region. */
const manifest = join(tempDir('kforge-init-once-'), 'assets.json')
writeFileSync(manifest, JSON.stringify({cluster: cluster.name, region: 'us-east-1', assets: []}))
/** From the claim to the end of the init/join branch: what this test runs. */
const decision = script.slice(script.indexOf('claim() {'), script.indexOf('\nfi\n') + 4)

/** Boot `instance` through the decision; returns the kforge commands it ran (init, join, claim). */
async function boot(instance: string): Promise<{code: number; out: string}> {
  // The claim reads the instance id from IMDS (IMDSv2: a session token first).
  const imds = await startImds({'meta-data/instance-id': instance})
  try {
    return await bootWith(imds.url)
  } finally {
    await imds.close()
  }
}

function bootWith(imds: string): Promise<{code: number; out: string}> {
  const stubs = [
    'set -Eeuo pipefail',
    'kforge_log() { echo "log[$KFORGE_STEP]: $*" >&2; }',
    'step() { KFORGE_STEP=$1; shift; "$@"; }',
    // The claim is the real CLI; init and join are recorded only.
    `kforge() { if [ "$1 $2" = "init claim" ]; then node ${join(repoRoot, 'bin', 'run.js')} "$@" --manifest ${manifest}; else echo "RAN kforge $*"; fi; }`,
  ].join('\n')
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${stubs}\n${decision}`], {
      env: {...process.env, ...emulatorEnv(), KFORGE_IMDS: imds},
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

const ran = (out: string) => [...out.matchAll(/^RAN kforge (\w+)/gm)].map((m) => m[1])

describe('the first control-plane group boots init once, then joins', () => {
  beforeAll(async () => {
    Object.assign(process.env, emulatorEnv())
    await new S3Client({forcePathStyle: true}).send(
      new CreateBucketCommand({Bucket: 'kforge-init-once-boot'}),
    )
  })

  it('carries a control-plane join config beside its init config', () => {
    expect(decision).toContain(`--state ${STORE}`)
    const [joinDoc] = parseAllDocuments(files.get('/etc/kforge/kubeadm-join.yaml.in')!).map((d) => d.toJSON())
    expect(joinDoc.kind).toBe('JoinConfiguration')
    expect(joinDoc.controlPlane).toEqual({})
    // no token: a joining control plane obtains one through node identity
    expect(joinDoc.discovery.bootstrapToken.token).toBe('')
  })

  it('inits on exactly one of two racing first boots; the other, and a later replacement, join', async () => {
    const [a, b] = await Promise.all([boot('i-0aaaaaaaaaaaaaaa1'), boot('i-0bbbbbbbbbbbbbbb2')])
    expect(a.code, a.out).toBe(0)
    expect(b.code, b.out).toBe(0)
    expect([ran(a.out), ran(b.out)].map((r) => r.join(',')).sort()).toEqual(['init', 'join'])
    const winner = ran(a.out)[0] === 'init' ? a : b
    expect(winner.out).toContain('RAN kforge init --config /etc/kforge/kubeadm.yaml')
    expect(winner.out).toContain('recorded complete')
    expect(a === winner ? b.out : a.out).toContain('RAN kforge join --config /etc/kforge/kubeadm-join.yaml')

    // The first instance is terminated and its group launches a replacement: it joins.
    const replacement = await boot('i-0ccccccccccccccc3')
    expect(replacement.code, replacement.out).toBe(0)
    expect(ran(replacement.out)).toEqual(['join'])
    expect(replacement.out).toContain('was initialised by i-0')
  })

  it('passes the arguments a restoring claim answers with to kforge init, and joins on anything else', async () => {
    // The claim that restored (test/integration/etcd-restore.test.ts runs it for real) answers so.
    const answer = async (said: string) => {
      const stubs = [
        'set -Eeuo pipefail',
        'step() { shift; "$@"; }',
        `kforge() { if [ "$1 $2" = "init claim" ]; then case " $* " in *" --completed "*) ;; *) echo ${JSON.stringify(said)} ;; esac; else echo "RAN kforge $*"; fi; }`,
      ].join('\n')
      return new Promise<string>((resolve, reject) => {
        const child = spawn('bash', ['-c', `${stubs}\n${decision}`], {stdio: ['ignore', 'pipe', 'inherit']})
        let out = ''
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString()
        })
        child.on('error', reject)
        child.on('close', () => resolve(out))
      })
    }
    expect(await answer('init --ignore-preflight-errors DirAvailable--var-lib-etcd')).toBe(
      'RAN kforge init --config /etc/kforge/kubeadm.yaml --ignore-preflight-errors DirAvailable--var-lib-etcd\n',
    )
    expect(await answer('init')).toBe('RAN kforge init --config /etc/kforge/kubeadm.yaml\n')
    for (const other of ['join', 'initialise', '']) {
      expect(await answer(other)).toBe(
        'RAN kforge join --config /etc/kforge/kubeadm-join.yaml --node-identity\n',
      )
    }
  })
})
