/**
 * etcd's volumes against the emulator: `update cluster` makes one per control-plane member in its
 * zone; a larger etcd.volumeSize grows it in place, a second apply changes nothing and a smaller
 * one is refused; a booting control-plane instance finds its member's volume by tag and attaches it, a
 * replacement waits while the old instance holds it and then attaches the same volume; a
 * rolling-update of the control plane keeps it; `delete cluster` removes it (detached first).
 * The boot's EC2 half runs here (IMDS stand-in, the instance's own tags); the device, filesystem
 * and mount half (and growing the filesystem) runs on a loop device in
 * test/real/etcd-volume-device.test.ts.
 */
import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Volume,
} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {attachEtcdVolume, type EtcdVolumeAccess} from '../../src/lifecycle/etcd-volume.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {loadCluster, saveClusterSpec} from '../../src/state/clusters.js'
import {silentLogger} from '../../src/util/logger.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {type ImdsStandIn, startImds} from '../support/imds.js'
import {cloudSandbox} from './lifecycle-sandbox.js'
import {runningInstances} from './lifecycle-support.js'

const REGION = 'us-east-2'
const NAME = 'etcd-volumes.example.com'
const MEMBER = 'control-plane-us-east-2a'

describe('etcd volumes against the emulator', () => {
  const {store, aws, kforge} = cloudSandbox(REGION, 50)
  let ec2: EC2Client
  const imdsServers: ImdsStandIn[] = []

  const memberVolumes = async (): Promise<Volume[]> =>
    (
      await ec2.send(
        new DescribeVolumesCommand({
          Filters: [
            {Name: `tag:kubernetes.io/cluster/${NAME}`, Values: ['owned']},
            {Name: 'tag:kforge.dev/etcd-member', Values: [MEMBER]},
          ],
        }),
      )
    ).Volumes ?? []

  /** What a control-plane instance's boot is given: its IMDS, and EC2 in the region IMDS names. */
  const bootOf = async (instanceId: string, timeoutMs = 60_000): Promise<EtcdVolumeAccess> => {
    const imds = await startImds({
      'meta-data/instance-id': instanceId,
      'meta-data/placement/availability-zone': `${REGION}a`,
      'meta-data/placement/region': REGION,
    })
    imdsServers.push(imds)
    const {Imds} = await import('../../src/cloud/aws/imds.js')
    return {
      imds: new Imds({base: imds.url}),
      ec2: async (region) => {
        expect(region).toBe(REGION)
        return ec2
      },
      pollMs: 50,
      attachTimeoutMs: timeoutMs,
    }
  }

  beforeAll(async () => {
    ec2 = await aws.ec2()
    const cluster = publicSingleCluster(NAME, REGION)
    cluster.spec.etcd.volumeSize = 30
    await saveClusterSpec(store, cluster)
    const up = await kforge('update', 'cluster', NAME, '--yes')
    expect(up.code, up.stderr).toBe(0)
  }, 180_000)
  afterAll(async () => {
    for (const s of imdsServers) await s.close()
  })

  it('makes one encrypted gp3 volume per member, in its zone, sized by etcd.volumeSize; a second plan wants nothing', async () => {
    const [v, ...more] = await memberVolumes()
    expect(more).toHaveLength(0)
    expect(v).toMatchObject({AvailabilityZone: `${REGION}a`, Size: 30, VolumeType: 'gp3', Encrypted: true})
    const tags = Object.fromEntries((v!.Tags ?? []).map((t) => [t.Key, t.Value]))
    expect(tags).toMatchObject({
      KubernetesCluster: NAME,
      'kforge.dev/resource': `etcd-${MEMBER}`,
      'kforge.dev/instancegroup': MEMBER,
    })
    const plan = await kforge('update', 'cluster', NAME)
    expect(plan.code).toBe(0)
    expect(plan.stdout).not.toContain('Volume')
  })

  it('a larger etcd.volumeSize grows the volume in place (ModifyVolume); again changes nothing; a smaller one is refused', async () => {
    const [before] = await memberVolumes()
    const resize = async (size: number) => {
      const cluster = await loadCluster(store, NAME)
      cluster.spec.etcd.volumeSize = size
      await saveClusterSpec(store, cluster)
    }
    await resize(40)
    const preview = await kforge('update', 'cluster', NAME)
    expect(preview.code, preview.stderr).toBe(0)
    expect(preview.stdout).toContain(`~ Volume etcd-${MEMBER}: 40 GiB gp3 encrypted in ${REGION}a`)
    expect(preview.stdout).toContain('size: 30 -> 40')
    expect((await memberVolumes())[0]!.Size).toBe(30)

    const applied = await kforge('update', 'cluster', NAME, '--yes')
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stderr).toMatch(new RegExp(`~ Volume etcd-${MEMBER}: modifying size`))
    const [after] = await memberVolumes()
    expect(after).toMatchObject({VolumeId: before!.VolumeId, Size: 40, VolumeType: 'gp3', Encrypted: true})
    const mods = await ec2.send(new DescribeVolumesModificationsCommand({VolumeIds: [before!.VolumeId!]}))
    expect(mods.VolumesModifications).toEqual([
      expect.objectContaining({VolumeId: before!.VolumeId, OriginalSize: 30, TargetSize: 40}),
    ])

    const again = await kforge('update', 'cluster', NAME, '--yes')
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).not.toContain('Volume')
    expect(
      (await ec2.send(new DescribeVolumesModificationsCommand({VolumeIds: [before!.VolumeId!]})))
        .VolumesModifications,
    ).toHaveLength(1)

    await resize(35)
    const shrink = await kforge('update', 'cluster', NAME, '--yes')
    expect(shrink.code).not.toBe(0)
    expect(shrink.stderr).toMatch(
      /spec\.etcd\.volumeSize \(35 GiB\) is smaller than the volume \(40 GiB\); an EBS volume can grow but never shrink/,
    )
    expect((await memberVolumes())[0]!.Size).toBe(40)
    await resize(40)
  })

  it('the instance finds its member volume by tag and attaches it; a replacement waits for it, then gets the same one', async () => {
    const [first] = (await runningInstances(aws, NAME)).filter((i) => i.group === MEMBER)
    const attached = await attachEtcdVolume(await bootOf(first!.id), silentLogger)
    expect(attached.member).toBe(MEMBER)
    const [v] = await memberVolumes()
    expect(attached.volume.id).toBe(v!.VolumeId)
    expect(v!.Attachments).toEqual([expect.objectContaining({InstanceId: first!.id, State: 'attached'})])
    // Booting again (a reboot, a re-run) finds it attached already.
    expect((await attachEtcdVolume(await bootOf(first!.id), silentLogger)).volume.id).toBe(v!.VolumeId)

    // A replacement of the same member (its group's tags) while the first still runs: it waits,
    // and never takes the volume from a live member.
    const tags = Object.entries({
      KubernetesCluster: NAME,
      [`kubernetes.io/cluster/${NAME}`]: 'owned',
      'kforge.dev/etcd-member': MEMBER,
    }).map(([Key, Value]) => ({Key, Value}))
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: (await ec2.send(new DescribeInstancesCommand({InstanceIds: [first!.id]}))).Reservations![0]!
          .Instances![0]!.ImageId!,
        MinCount: 1,
        MaxCount: 1,
        Placement: {AvailabilityZone: `${REGION}a`},
        TagSpecifications: [{ResourceType: 'instance', Tags: tags}],
      }),
    )
    const replacement = run.Instances![0]!.InstanceId!
    await expect(attachEtcdVolume(await bootOf(replacement, 1500), silentLogger)).rejects.toThrow(
      new RegExp(`attached to ${first!.id} \\(running\\)`),
    )
    expect((await memberVolumes())[0]!.Attachments![0]!.InstanceId).toBe(first!.id)

    // The old instance goes; the waiting replacement attaches the same volume.
    const waiting = attachEtcdVolume(await bootOf(replacement), silentLogger)
    await ec2.send(new TerminateInstancesCommand({InstanceIds: [first!.id]}))
    expect((await waiting).volume.id).toBe(v!.VolumeId)
    expect((await memberVolumes())[0]!.Attachments).toEqual([
      expect.objectContaining({InstanceId: replacement, State: 'attached'}),
    ])
    await ec2.send(new TerminateInstancesCommand({InstanceIds: [replacement]}))
  })

  it('a rolling-update of the control plane replaces the instance and keeps the volume', async () => {
    const [before] = await memberVolumes()
    const members = async () =>
      (await runningInstances(aws, NAME)).filter((i) => i.group === MEMBER).map((i) => i.id)
    const instancesBefore = await members()
    const cluster = await loadCluster(store, NAME)
    cluster.instanceGroups.find((g) => g.name === MEMBER)!.spec.machineType = 't3.large'
    await saveClusterSpec(store, cluster)
    expect((await kforge('update', 'cluster', NAME, '--yes')).code).toBe(0)
    const rolled = await kforge(
      'rolling-update',
      'cluster',
      NAME,
      '--cloudonly',
      '--yes',
      '--instance-group',
      MEMBER,
    )
    expect(rolled.code, rolled.stderr).toBe(0)
    expect(rolled.stdout).toContain(`Replaced 1 instances of cluster ${NAME}`)
    const instancesAfter = await members()
    expect(instancesAfter).toHaveLength(1)
    expect(instancesBefore).not.toContain(instancesAfter[0])
    const after = await memberVolumes()
    expect(after.map((v) => v.VolumeId)).toEqual([before!.VolumeId])
    expect(after[0]!.State).not.toMatch(/deleting|deleted/)
  })

  it('delete cluster deletes the volume, detaching it from an instance that still holds it', async () => {
    const [v] = await memberVolumes()
    const [cp] = (await runningInstances(aws, NAME)).filter((i) => i.group === MEMBER)
    await attachEtcdVolume(await bootOf(cp!.id), silentLogger)
    const result = await deleteCluster(NAME, {aws, yes: true, spec: await loadCluster(store, NAME)})
    expect(result.resources.filter((r) => r.kind === 'Volume').map((r) => r.id)).toContain(v!.VolumeId)
    const left = (
      await ec2.send(
        new DescribeVolumesCommand({
          Filters: [{Name: `tag:kubernetes.io/cluster/${NAME}`, Values: ['owned']}],
        }),
      )
    ).Volumes
    expect(left ?? []).toEqual([])
  }, 180_000)
})
