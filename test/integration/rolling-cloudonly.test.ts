import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {loadCluster, saveClusterSpec} from '../../src/state/clusters.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {cloudSandbox} from './lifecycle-sandbox.js'
import {type CloudInstance, runningInstances} from './lifecycle-support.js'

process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const REGION = 'us-east-2'
const NAME = 'rolling-cloudonly.example.com'

describe('rolling-update --cloudonly against the emulator', () => {
  const {store, aws, kforge, deleteCluster} = cloudSandbox(REGION, 50)
  let before: CloudInstance[]

  beforeAll(async () => {
    await saveClusterSpec(store, publicSingleCluster(NAME, REGION))
    const up = await kforge('update', 'cluster', NAME, '--yes')
    expect(up.stderr).not.toMatch(/Error/)
    expect(up.code).toBe(0)
    before = await runningInstances(aws, NAME)
  }, 180_000)
  afterAll(async () => {
    await deleteCluster(NAME)
  }, 180_000)

  it('a freshly applied cluster validates on the cloud side, the Kubernetes side not checked', async () => {
    expect(before.map((i) => i.group).sort()).toEqual(['control-plane-us-east-2a', 'nodes', 'nodes'])
    const r = await kforge('validate', 'cluster', NAME)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Your cluster ${NAME} is ready (cloud side only).`)
    expect(r.stdout).toMatch(/KUBERNETES: not checked: .* has no context|does not exist/)
    expect(r.stdout).toMatch(/nodes\s+node\s+2\s+2\s+2\s+2\s+2/)
    const nothing = await kforge('rolling-update', 'cluster', NAME, '--cloudonly')
    expect(nothing.code).toBe(0)
    expect(nothing.stdout).toContain('No rolling update needed')
  })

  it('replaces exactly the changed group, then finds nothing to do', async () => {
    const cluster = await loadCluster(store, NAME)
    cluster.instanceGroups.find((g) => g.name === 'nodes')!.spec.machineType = 't3.large'
    await saveClusterSpec(store, cluster)
    const update = await kforge('update', 'cluster', NAME, '--yes')
    expect(update.code).toBe(0)
    expect(update.stdout).toContain('instanceType: t3.medium -> t3.large')

    const nodes = before
      .filter((i) => i.group === 'nodes')
      .map((i) => i.id)
      .sort()
    const invalid = await kforge('validate', 'cluster', NAME, '-o', 'json')
    expect(invalid.code).not.toBe(0)
    const report = JSON.parse(invalid.stdout)
    expect(report.valid).toBe(false)
    expect(report.failures.map((f: {name: string}) => f.name).sort()).toEqual(nodes)
    expect(report.failures[0].message).toContain("launch template version 1, the group's is 2")
    const waited = await kforge('validate', 'cluster', NAME, '--wait', '300ms')
    expect(waited.code).not.toBe(0)
    expect(waited.stderr).toContain(`cluster ${NAME} did not validate within 300ms; still wrong:`)
    expect(waited.stderr).toContain(nodes[0])

    const listed = await kforge('rolling-update', 'cluster', NAME, '--cloudonly')
    expect(listed.code).toBe(0)
    const rows = listed.stdout.trim().split('\n')
    expect(rows[0]).toMatch(/^GROUP\s+INSTANCE\s+REASON$/)
    expect(
      rows
        .slice(1, 3)
        .map((l) => l.split(/\s+/)[1])
        .sort(),
    ).toEqual(nodes)
    expect(rows.slice(1, 3).every((l) => l.startsWith('nodes '))).toBe(true)
    expect(listed.stdout).toContain('Must specify --yes to replace these 2 instances.')
    // Listing changed nothing.
    expect((await runningInstances(aws, NAME)).map((i) => i.id).sort()).toEqual(
      before.map((i) => i.id).sort(),
    )

    const rolled = await kforge('rolling-update', 'cluster', NAME, '--cloudonly', '--yes')
    expect(rolled.stderr).not.toContain('Error')
    expect(rolled.code).toBe(0)
    expect(rolled.stdout).toContain('Replaced 2 instances')
    expect(rolled.stderr).toContain('(surge)')

    const after = await runningInstances(aws, NAME)
    const controlPlane = before.filter((i) => i.group !== 'nodes').map((i) => i.id)
    expect(after.filter((i) => i.group !== 'nodes').map((i) => i.id)).toEqual(controlPlane)
    const newNodes = after.filter((i) => i.group === 'nodes')
    expect(newNodes).toHaveLength(2)
    for (const n of newNodes) expect(nodes).not.toContain(n.id)
    const {DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
    const described = await (await aws.ec2()).send(
      new DescribeInstancesCommand({InstanceIds: newNodes.map((n) => n.id)}),
    )
    const types = described.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceType))
    expect(types).toEqual(['t3.large', 't3.large'])

    const again = await kforge('rolling-update', 'cluster', NAME, '--cloudonly', '--yes')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('No rolling update needed')
    const valid = await kforge('validate', 'cluster', NAME)
    expect(valid.code).toBe(0)
  })

  it('refuses to drain without API access, and names an unknown group', async () => {
    const cluster = await loadCluster(store, NAME)
    const noApi = await kforge(
      'rolling-update',
      'cluster',
      NAME,
      '--yes',
      '--force',
      '--instance-group',
      'nodes',
    )
    expect(noApi.code).not.toBe(0)
    expect(noApi.stderr).toContain('rolling update needs the Kubernetes API to drain nodes')
    expect(noApi.stderr).toContain('--cloudonly')
    const unknown = await kforge('rolling-update', 'cluster', NAME, '--instance-group', 'nope')
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain(`--instance-group nope: cluster ${NAME} has no such group`)
    expect(cluster.name).toBe(NAME)
  })
})
