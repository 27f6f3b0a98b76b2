/**
 * Resilience: with a fifth of all requests throttled or dropped by the fault proxy, create, a
 * no-op update and delete still succeed through the real CLI, with nothing duplicated and
 * nothing left behind.
 */
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {isMutating} from '../../src/cloud/aws/clients.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {inventory} from '../fixtures/cloud/inventory.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'
import {type FaultProxy, startFaultProxy} from '../support/fault-proxy.js'

const region = 'ap-southeast-2'
const name = 'faults.throttling.example.com'
const dir = tempDir('kforge-faults-')
const callLog = join(dir, 'calls.log')

// The state store lives in the emulator's S3, where instances would fetch from it.
beforeAll(async () => {
  await emulatorStateStore(region, 'kforge-faults')
})

describe('20% throttled or dropped requests', {timeout: 300_000}, () => {
  let proxy: FaultProxy
  let env: Record<string, string>

  beforeAll(async () => {
    proxy = await startFaultProxy({target: inject('awsEndpoint'), rate: 0.2, seed: 7})
    env = {
      ...emulatorEnv(region),
      AWS_ENDPOINT_URL: proxy.endpoint,
      KFORGE_STATE_STORE: 's3://kforge-faults/kforge',
      KFORGE_POLL_MS: '50',
      KFORGE_DELETE_BACKOFF_MS: '100',
      KFORGE_AWS_CALL_LOG: callLog,
    }
    const file = join(dir, 'cluster.yaml')
    writeFileSync(file, renderSpec(haPrivateCluster(name, region)))
    const created = await runKforge(['create', '-f', file], {env})
    expect(created.code, created.stderr).toBe(0)
  }, 300_000)
  afterAll(async () => {
    await proxy.close()
  }, 300_000)

  async function kforge(...args: string[]) {
    rmSync(callLog, {force: true})
    const r = await runKforge(args, {env})
    const calls = existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n') : []
    return {...r, mutating: calls.filter((c) => c !== '' && isMutating(c.split(' ')[1]!))}
  }

  it('creates the cluster', async () => {
    const before = {...proxy.stats}
    const r = await kforge('update', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(proxy.stats.throttled - before.throttled).toBeGreaterThan(10)
    expect(proxy.stats.dropped - before.dropped).toBeGreaterThan(3)
    const inv = await inventory(inject('awsEndpoint'), region, name)
    expect(inv.Vpc).toHaveLength(1)
    expect(inv.Subnet).toHaveLength(6)
    expect(inv.NatGateway).toHaveLength(3)
    expect(inv.SecurityGroup).toHaveLength(4)
    expect(inv.AutoScalingGroup).toHaveLength(5)
    expect(inv.LaunchTemplate).toHaveLength(5)
  })

  it('a second update changes nothing', async () => {
    const r = await kforge('update', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^No changes/)
    // Nothing but the cluster lock (taken, maybe retried through the faults, and given back).
    expect(r.mutating.filter((c) => c !== 'S3 PutObject' && c !== 'S3 DeleteObject')).toEqual([])
  })

  it('deletes the cluster', async () => {
    const before = proxy.stats.throttled + proxy.stats.dropped
    const r = await kforge('delete', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(proxy.stats.throttled + proxy.stats.dropped - before).toBeGreaterThan(10)
    expect(await inventory(inject('awsEndpoint'), region, name)).toEqual({})
  })
})
