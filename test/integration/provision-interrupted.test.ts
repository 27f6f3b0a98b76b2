/**
 * A create killed mid-way (SIGKILL, no chance to clean up) and re-run ends with exactly one of
 * each resource. Kill points are counted in mutating API calls as the CLI logs them, just before
 * each is sent: a kill there lands between AWS making a resource and kforge hearing of it.
 */
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {isMutating} from '../../src/cloud/aws/clients.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {counts, inventory} from '../fixtures/cloud/inventory.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {repoRoot, runKforge, tempDir} from '../support/cli.js'

const region = 'eu-west-2'
const dir = tempDir('kforge-interrupted-')
const callLog = join(dir, 'calls.log')
const env = {
  ...emulatorEnv(region),
  KFORGE_STATE_STORE: 's3://kforge-interrupted/kforge',
  KFORGE_POLL_MS: '50',
  KFORGE_AWS_CALL_LOG: callLog,
  // No lease renewal inside a run: its only state-store writes are the lease's put and delete.
  KFORGE_LOCK_RENEW_MS: '3600000',
}

const mutating = () =>
  existsSync(callLog)
    ? readFileSync(callLog, 'utf8')
        .split('\n')
        .filter((c) => c !== '' && isMutating(c.split(' ')[1]!)).length
    : 0

/** Runs `update cluster --yes` and SIGKILLs it once `killAfter` mutating calls have started. */
function updateKilledAfter(name: string, killAfter: number): Promise<{killed: boolean; code: number | null}> {
  rmSync(callLog, {force: true})
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // A killed run leaves its lease behind; its process is gone, so --break-lock takes it over.
      [join(repoRoot, 'bin', 'run.js'), 'update', 'cluster', name, '--yes', '--break-lock'],
      {
        env: {...process.env, ...env},
        stdio: 'ignore',
      },
    )
    let killed = false
    const timer = setInterval(() => {
      if (!killed && mutating() >= killAfter) {
        killed = true
        child.kill('SIGKILL')
      }
    }, 5)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(timer)
      resolve({killed, code})
    })
  })
}

async function createSpec(name: string) {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, renderSpec(haPrivateCluster(name, region)))
  const r = await runKforge(['create', '-f', file], {env})
  expect(r.code, r.stderr).toBe(0)
}

// The state store lives in the emulator's S3, where instances would fetch from it.
beforeAll(async () => {
  await emulatorStateStore(region, 'kforge-interrupted')
})

// Each re-run also takes over the killed run's lease (--break-lock): more runs, on a loaded machine
// more than five minutes.
describe('interrupted create', {timeout: 600_000}, () => {
  const reference = 'reference.interrupted.example.com'
  const victim = 'victim.interrupted.example.com'
  let total = 0
  let expected: Record<string, number>

  beforeAll(async () => {
    await createSpec(reference)
    await createSpec(victim)
    rmSync(callLog, {force: true})
    const r = await runKforge(['update', 'cluster', reference, '--yes'], {env})
    expect(r.code, r.stderr).toBe(0)
    total = mutating()
    expected = counts(await inventory(inject('awsEndpoint'), region, reference))
  }, 300_000)

  it('killed at several points and re-run, ends with exactly one of each resource', async () => {
    expect(total).toBeGreaterThan(60)
    // Killed after 2 calls, then every 15 calls of each re-run, until a run gets to finish.
    let kills = 0
    for (let run = 0; run < 20; run++) {
      const r = await updateKilledAfter(victim, run === 0 ? 2 : 15)
      if (!r.killed) {
        expect(r.code).toBe(0)
        break
      }
      kills++
    }
    expect(kills).toBeGreaterThanOrEqual(Math.floor(total / 15) - 1)
    const finish = await runKforge(['update', 'cluster', victim, '--yes'], {env})
    expect(finish.code, finish.stderr).toBe(0)
    const got = counts(await inventory(inject('awsEndpoint'), region, victim))
    // Instances are the groups' business (they launch what the size says); everything kforge
    // makes must be there exactly once.
    expect(got).toEqual(expected)

    rmSync(callLog, {force: true})
    const again = await runKforge(['update', 'cluster', victim, '--yes'], {env})
    expect(again.stdout).toMatch(/^No changes/)
    // Nothing but the cluster lock, taken and given back.
    expect(mutating()).toBe(2)
  })

  it('both clusters delete cleanly', async () => {
    for (const name of [reference, victim]) {
      const r = await runKforge(['delete', 'cluster', name, '--yes'], {env})
      expect(r.code, r.stderr).toBe(0)
      expect(await inventory(inject('awsEndpoint'), region, name)).toEqual({})
    }
  })
})
