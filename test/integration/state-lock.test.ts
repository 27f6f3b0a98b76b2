/**
 * The cluster lock through the CLI, on an S3 state store in the emulator: while one
 * `update cluster --yes` works, a second fails at once naming it, while plans and reads go on;
 * the lease is gone when the command succeeds, fails, or is stopped with Ctrl-C. And the first
 * apply leaves every secret encrypted at rest under the cluster's own KMS key.
 */
import {spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DescribeKeyCommand, KMSClient, ListAliasesCommand} from '@aws-sdk/client-kms'
import {beforeAll, describe, expect, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {materialKey} from '../../src/assets/material.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {lockKey} from '../../src/state/lock.js'
import {openStateStore, type StateStore} from '../../src/state/store.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {repoRoot, runKforge, tempDir} from '../support/cli.js'

const region = 'ap-south-1'
const dir = tempDir('kforge-state-lock-')
let env: Record<string, string>
let store: StateStore

const kforge = (...args: string[]) => runKforge(args, {env})

/** A CLI run left in the background, to lock, interrupt or wait for. */
function background(args: string[]) {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {
    cwd: repoRoot,
    env: {...process.env, NO_COLOR: '1', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  child.stdout.resume()
  const done = new Promise<{code: number | null; signal: string | null; stderr: string}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, stderr})),
  )
  return {child, done}
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const locked = (cluster: string) => async () => (await store.read(lockKey(cluster))) !== undefined

async function createSpec(name: string): Promise<void> {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, renderSpec(publicSingleCluster(name, region)))
  const created = await kforge('create', '-f', file)
  expect(created.stderr).toBe('')
  expect(created.code).toBe(0)
  expect(await store.read(lockKey(name))).toBeUndefined()
}

beforeAll(async () => {
  const url = await emulatorStateStore(region, 'kforge-state-lock')
  env = {...emulatorEnv(region), KFORGE_STATE_STORE: url, KFORGE_POLL_MS: '50'}
  Object.assign(process.env, emulatorEnv(region))
  store = await openStateStore(url)
})

describe('the cluster lock, through the CLI', {timeout: 300_000}, () => {
  it('lets one update --yes run; a second fails at once naming it; plans and reads go on', async () => {
    const name = 'one.state-lock.example.com'
    await createSpec(name)
    const first = background(['update', 'cluster', name, '--yes'])
    await until('the first update to take the lock', locked(name))

    const started = Date.now()
    const second = await kforge('update', 'cluster', name, '--yes')
    expect(second.code).not.toBe(0)
    expect(second.stderr).toMatch(
      new RegExp(
        `cluster ${name} is locked by .*@.* \\(pid ${first.child.pid}\\), running "update cluster ${name} --yes"`,
      ),
    )
    expect(second.stderr).toContain('wait for that command to finish')
    expect(Date.now() - started).toBeLessThan(20_000)
    expect((await kforge('get', 'cluster', name)).code).toBe(0)
    const plan = await kforge('update', 'cluster', name)
    expect(plan.stderr).not.toContain('locked')
    expect(plan.code).toBe(0)

    const done = await first.done
    expect(done.stderr).not.toContain('Error')
    expect(done.code).toBe(0)
    expect(await store.read(lockKey(name))).toBeUndefined()
    // The vault: secrets stored before the first apply made the cluster key are under it now.
    const alias = (await new KMSClient({region}).send(new ListAliasesCommand({}))).Aliases!.find(
      (a) => a.AliasName === awsNames.kmsAlias(name),
    )!
    const keyArn = (await new KMSClient({region}).send(new DescribeKeyCommand({KeyId: alias.TargetKeyId!})))
      .KeyMetadata!.Arn
    for (const secret of ['ca.key', 'sa.key', 'etcd/ca.key', 'front-proxy-ca.key']) {
      expect(await store.encryptionKey!(materialKey(name, secret)), secret).toBe(keyArn)
    }
    const again = await kforge('update', 'cluster', name, '--yes')
    expect(again.code).toBe(0)
    expect(await store.read(lockKey(name))).toBeUndefined()
    expect((await kforge('delete', 'cluster', name, '--yes')).code).toBe(0)
  })

  it('gives the lease back on Ctrl-C and on failure', async () => {
    const name = 'two.state-lock.example.com'
    await createSpec(name)
    const run = background(['update', 'cluster', name, '--yes'])
    await until('the update to take the lock', locked(name))
    run.child.kill('SIGINT')
    const stopped = await run.done
    expect(stopped.code).toBe(130)
    expect(stopped.stderr).toContain(`SIGINT: releasing the lock on ${name}`)
    expect(await store.read(lockKey(name))).toBeUndefined()

    // An apply that fails after taking the lock (its image does not exist) leaves no lease either.
    const broken = publicSingleCluster(name, region)
    broken.spec.cloud.aws.image = {id: 'ami-0000000000deadbee'}
    for (const g of broken.instanceGroups) delete g.spec.image
    writeFileSync(join(dir, 'broken.yaml'), renderSpec(broken))
    expect((await kforge('replace', '-f', join(dir, 'broken.yaml'))).code).toBe(0)
    const failed = await kforge('update', 'cluster', name, '--yes')
    expect(failed.stderr).toContain('ami-0000000000deadbee')
    expect(failed.code).not.toBe(0)
    expect(await store.read(lockKey(name))).toBeUndefined()
    writeFileSync(join(dir, 'fixed.yaml'), renderSpec(publicSingleCluster(name, region)))
    expect((await kforge('replace', '-f', join(dir, 'fixed.yaml'))).code).toBe(0)

    const finished = await kforge('update', 'cluster', name, '--yes')
    expect(finished.code).toBe(0)
    expect((await kforge('delete', 'cluster', name, '--yes')).code).toBe(0)
    expect(await store.read(lockKey(name))).toBeUndefined()
  })
})
