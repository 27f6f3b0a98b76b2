import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadCluster, loadClusterText, saveClusterSpec} from '../../src/state/clusters.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'

import {cloudSandbox} from './lifecycle-sandbox.js'

process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const REGION = 'us-west-2'
const OLD = 'upgrade-skew-135.example.com'
const NAME = 'upgrade-skew-136.example.com'

describe('upgrade cluster', () => {
  const {store, kforge, deleteCluster} = cloudSandbox(REGION, 50)

  /** NAME to v1.37.2 without the Kubernetes API: run once to upgrade, and again to find it done. */
  const upgradeCloudOnly = () =>
    kforge('upgrade', 'cluster', NAME, '--kubernetes-version', 'v1.37.2', '--yes', '--cloudonly')

  beforeAll(async () => {
    await saveClusterSpec(store, publicSingleCluster(OLD, REGION, {kubernetesVersion: 'v1.35.4'}))
    await saveClusterSpec(store, publicSingleCluster(NAME, REGION, {kubernetesVersion: 'v1.36.4'}))
    expect((await kforge('update', 'cluster', NAME, '--yes')).code).toBe(0)
  }, 180_000)
  afterAll(async () => {
    await deleteCluster(NAME)
  }, 180_000)

  it('refuses v1.35.x -> v1.37.x, naming the skew policy, and changes nothing', async () => {
    const before = await loadClusterText(store, OLD)
    for (const extra of [[], ['--yes'], ['--yes', '--cloudonly']]) {
      const r = await kforge('upgrade', 'cluster', OLD, '--kubernetes-version', 'v1.37.2', ...extra)
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(
        'cannot upgrade v1.35.4 to v1.37.2: the Kubernetes version skew policy allows upgrading the control plane one minor version at a time',
      )
      expect(r.stderr).toContain('upgrade to a v1.36 release first')
    }
    expect(await loadClusterText(store, OLD)).toBe(before)
  })

  it('accepts v1.36.x -> v1.37.x: plan first, then spec, cloud and rolls in order', async () => {
    const before = await loadClusterText(store, NAME)
    const plan = await kforge('upgrade', 'cluster', NAME, '--kubernetes-version', 'v1.37.2', '--cloudonly')
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain(
      `Upgrade cluster ${NAME}: v1.36.4 -> v1.37.2 (minor, within the skew policy)`,
    )
    expect(plan.stdout).toContain('control plane: roll control-plane-us-west-2a, one instance at a time')
    expect(plan.stdout).toContain('then roll: nodes')
    expect(plan.stdout).toContain('Cloud changes:')
    expect(plan.stdout).toContain('Must specify --yes to upgrade.')
    expect(await loadClusterText(store, NAME)).toBe(before)

    // Without the API and without --cloudonly it says what it needs.
    const noApi = await kforge('upgrade', 'cluster', NAME, '--kubernetes-version', 'v1.37.2', '--yes')
    expect(noApi.code).not.toBe(0)
    expect(noApi.stderr).toContain('upgrade needs the Kubernetes API')
    expect(noApi.stderr).toContain('--cloudonly')

    const up = await upgradeCloudOnly()
    expect(up.stderr).not.toContain('Error')
    expect(up.code).toBe(0)
    expect(up.stdout).toContain(`Cluster ${NAME} is at v1.37.2:`)
    const stored = await loadCluster(store, NAME)
    expect(stored.spec.kubernetesVersion).toBe('v1.37.2')
    expect(stored.spec.etcd.version).toBe('3.7.0-0')
    const cp = up.stderr.indexOf('rolled control-plane-us-west-2a')
    const nodes = up.stderr.indexOf('rolled nodes')
    expect(up.stderr.indexOf('stored spec.kubernetesVersion v1.37.2')).toBeGreaterThanOrEqual(0)
    expect(cp).toBeGreaterThan(up.stderr.indexOf('applied the spec to the cloud'))
    expect(nodes).toBeGreaterThan(cp)

    // Every instance runs its group's current launch template: nothing left to roll, and it validates.
    const left = await kforge('rolling-update', 'cluster', NAME, '--cloudonly')
    expect(left.stdout).toContain('No rolling update needed')
    expect((await kforge('validate', 'cluster', NAME, '--cloudonly')).code).toBe(0)

    const again = await upgradeCloudOnly()
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('v1.37.2 -> v1.37.2 (already at this version: continue the roll)')
  })
})
