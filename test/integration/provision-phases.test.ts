/**
 * `update cluster --phase prerequisites|network|security|cluster` applies one phase at a time
 * (and says which to run first when a later one needs what an earlier one makes); an immutable
 * change is refused with a message naming the resource and field.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {inventory} from '../fixtures/cloud/inventory.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

const region = 'ap-northeast-1'
const name = 'phases.provision.example.com'
const dir = tempDir('kforge-phases-')
const env = {...emulatorEnv(region), KFORGE_STATE_STORE: 's3://kforge-phases/kforge', KFORGE_POLL_MS: '50'}
const kforge = (...args: string[]) => runKforge(args, {env})
const kinds = async () => Object.keys(await inventory(inject('awsEndpoint'), region, name)).sort()

function specFile(mutate: (c: Cluster) => void = () => {}): string {
  const cluster = publicSingleCluster(name, region)
  mutate(cluster)
  const file = join(dir, 'cluster.yaml')
  writeFileSync(file, renderSpec(cluster))
  return file
}

// The state store lives in the emulator's S3, where instances would fetch from it.
beforeAll(async () => {
  await emulatorStateStore(region, 'kforge-phases')
})

describe('update cluster --phase', {timeout: 300_000}, () => {
  beforeAll(async () => {
    const r = await kforge('create', '-f', specFile())
    expect(r.code, r.stderr).toBe(0)
  }, 300_000)

  it('network alone makes only the network', async () => {
    const r = await kforge('update', 'cluster', name, '--yes', '--phase', 'network')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('+ Vpc vpc')
    expect(r.stdout).not.toContain('SecurityGroup')
    expect(await kinds()).toEqual(['InternetGateway', 'RouteTable', 'Subnet', 'Vpc'])
  })

  it('cluster before security is refused, naming the phase to run first', async () => {
    const r = await kforge('update', 'cluster', name, '--yes', '--phase', 'cluster')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /LaunchTemplate lt-\S+ needs sg-control-plane, which does not exist yet: apply the security phase first \(--phase security\)/,
    )
    // Its user-data is rendered from the prerequisites, which do not exist yet either.
    expect(r.stderr).toMatch(
      /LaunchTemplate lt-\S+ needs state-store-objects, which does not exist yet: apply the prerequisites phase first \(--phase prerequisites\)/,
    )
    expect(await kinds()).toEqual(['InternetGateway', 'RouteTable', 'Subnet', 'Vpc'])
  })

  it('security before the prerequisites is refused: the instance roles name the cluster key', async () => {
    const r = await kforge('update', 'cluster', name, '--yes', '--phase', 'security')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /RolePolicy policy-\S+ needs kms-key, which does not exist yet: apply the prerequisites phase first \(--phase prerequisites\)/,
    )
    expect(await kinds()).toEqual(['InternetGateway', 'RouteTable', 'Subnet', 'Vpc'])
  })

  it('prerequisites, security, then cluster, complete it; then nothing is left to do', async () => {
    const prerequisites = await kforge('update', 'cluster', name, '--yes', '--phase', 'prerequisites')
    expect(prerequisites.code, prerequisites.stderr).toBe(0)
    expect(prerequisites.stdout).toContain('+ StateStoreObjects state-store-objects')
    expect(prerequisites.stdout).not.toContain('+ Vpc')
    expect(await kinds()).toEqual(['InternetGateway', 'KmsKey', 'RouteTable', 'Subnet', 'Vpc'])
    const security = await kforge('update', 'cluster', name, '--yes', '--phase', 'security')
    expect(security.code, security.stderr).toBe(0)
    expect(await kinds()).toEqual([
      'IamRole',
      'InstanceProfile',
      'InternetGateway',
      'KmsKey',
      'RouteTable',
      'SecurityGroup',
      'Subnet',
      'Vpc',
    ])
    const cluster = await kforge('update', 'cluster', name, '--yes', '--phase', 'cluster')
    expect(cluster.code, cluster.stderr).toBe(0)
    expect(await kinds()).toEqual(
      expect.arrayContaining(['AutoScalingGroup', 'LaunchTemplate', 'LoadBalancer', 'TargetGroup']),
    )
    const again = await kforge('update', 'cluster', name)
    expect(again.stdout, again.stdout).toMatch(/^No changes/)
  })

  it('an immutable change is refused with the resource and field', async () => {
    const replaced = await kforge(
      'replace',
      '-f',
      specFile((c) => {
        c.spec.networking.networkCIDR = '10.1.0.0/16'
        c.spec.networking.subnets[0]!.cidr = '10.1.0.0/19'
      }),
    )
    expect(replaced.code, replaced.stderr).toBe(0)
    const plan = await kforge('update', 'cluster', name)
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('Cannot apply:')
    expect(plan.stdout).toContain('! Vpc vpc: cidr cannot change in place (10.0.0.0/16 -> 10.1.0.0/16)')
    const apply = await kforge('update', 'cluster', name, '--yes')
    expect(apply.code).toBe(1)
    expect(apply.stderr).toContain('the plan cannot be applied')
    expect(apply.stderr).toContain(`Subnet subnet-${region}a: cidr cannot change in place`)
  })

  it('deletes', async () => {
    const r = await kforge('delete', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(await kinds()).toEqual([])
  })
})
