/**
 * EBS volumes. kforge makes one kind itself: each control-plane member's etcd volume (encrypted
 * gp3 in the member's zone, found at boot by its member tag, build/etcd-volumes.ts), grown in
 * place when `spec.etcd.volumeSize` grows, never shrunk (volume-grow.ts). Every other
 * volume tagged as the cluster's (what the CSI driver made, root volumes of instances that
 * outlived their group) is listed for `delete cluster` only: without kforge's resource tag it is
 * never matched, changed or pruned.
 *
 * Never pruned: a volume holds etcd's data, so `update cluster` leaves one the model no longer
 * wants (a control-plane group removed) for `delete cluster`; rolling-update and upgrade replace
 * instances, never volumes. Deleting detaches first, as a stray instance may still hold one.
 */
import {pollOption} from '../../../util/timings.js'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags} from '../model/types.js'
import {poll} from '../model/wait.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, taggedFilter, tagSpec, tagsFrom} from './ec2.js'
import {growVolume, volumeRefusals} from './volume-grow.js'

export interface VolumeProps {
  zone: string
  /** GiB. */
  size: number
  volumeType: 'gp3'
  /** Always true: with the account's EBS key, as the launch templates' root volumes. */
  encrypted: boolean
  tags: Tags
}

export interface VolumeAttachmentState {
  instanceId: string
  /** attaching | attached | detaching | detached | busy */
  state: string
  device: string
}

export interface VolumeActual extends Actual {
  zone: string
  size: number
  volumeType: string
  encrypted: boolean
  /** creating | available | in-use | deleting | deleted | error */
  state: string
  attachments: VolumeAttachmentState[]
}

interface Described {
  VolumeId?: string
  AvailabilityZone?: string
  Size?: number
  VolumeType?: string
  Encrypted?: boolean
  State?: string
  Tags?: {Key?: string; Value?: string}[]
  Attachments?: {InstanceId?: string; State?: string; Device?: string}[]
}

/** What DescribeVolumes says of one volume, as the kind (and the boot, etcd-volumes.ts) read it. */
export function volumeActual(v: Described): VolumeActual {
  return {
    id: v.VolumeId!,
    attrs: {id: v.VolumeId!},
    tags: fromTagList(v.Tags),
    zone: v.AvailabilityZone ?? '',
    size: v.Size ?? 0,
    volumeType: v.VolumeType ?? '',
    encrypted: v.Encrypted ?? false,
    state: v.State ?? '',
    attachments: (v.Attachments ?? []).map((a) => ({
      instanceId: a.InstanceId ?? '',
      state: a.State ?? '',
      device: a.Device ?? '',
    })),
  }
}

export const volumeKind: ResourceKind<VolumeProps, VolumeActual> = {
  kind: 'Volume',
  phase: 'cluster',
  // Attached volumes come free (or go, if deleted on termination) with their instances.
  deleteAfter: ['AutoScalingGroup', 'Instance'],
  ownership: 'tags',
  // A volume cannot move zones or change encryption, and kforge changes no type. Its size only
  // grows, in place (volume-grow.ts); the node's etcd-volume phase grows the filesystem into it.
  immutable: ['zone', 'volumeType', 'encrypted'],
  onImmutableChange: 'refuse',
  refusals: (name, p, a) => volumeRefusals(name, a, p),
  prune: false,

  async list(ctx) {
    const {paginateDescribeVolumes} = await ec2Module()
    const found = await listOwned(ctx, paginateDescribeVolumes, (page) => page.Volumes, 500)
    return found.map(volumeActual)
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),

  diff: (p, a) =>
    changes(
      ['zone', p.zone, a.zone],
      ['size', p.size, a.size],
      ['volumeType', p.volumeType, a.volumeType],
      ['encrypted', p.encrypted, a.encrypted],
    ).concat(tagChanges(p.tags, a.tags)),

  async create(ctx, d, p) {
    const {CreateVolumeCommand, DescribeVolumesCommand} = await ec2Module()
    const client = await ec2(ctx)
    return createOrAdopt(ctx, {
      what: `volume ${d.name} in ${p.zone}`,
      logical: d.name,
      // The token makes a retried create return the first volume; the tags find it otherwise.
      create: async () =>
        volumeActual(
          await client.send(
            new CreateVolumeCommand({
              AvailabilityZone: p.zone,
              Size: p.size,
              VolumeType: p.volumeType,
              Encrypted: p.encrypted,
              ClientToken: ctx.token('volume', d.name),
              TagSpecifications: tagSpec('volume', p.tags),
            }),
          ),
        ),
      find: async () => {
        const v = (
          await client.send(new DescribeVolumesCommand({Filters: taggedFilter(ctx.cluster, d.name)}))
        ).Volumes?.[0]
        return v ? {actual: volumeActual(v), tags: fromTagList(v.Tags)} : undefined
      },
    })
  },

  async update(ctx, d, p, a, todo) {
    // The plan refused a shrink; a size change that reaches here is a growth.
    const grow = todo.some((c) => c.field === 'size') && p.size > a.size
    if (grow) await growVolume(ctx, {name: d.name, volumeId: a.id, from: a.size, size: p.size})
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, size: grow ? p.size : a.size, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DescribeVolumesCommand, DetachVolumeCommand, DeleteVolumeCommand} = await ec2Module()
    const client = await ec2(ctx)
    const held = a.attachments.filter((x) => x.state !== 'detached')
    for (const x of held) {
      await idempotentDelete(
        () => client.send(new DetachVolumeCommand({VolumeId: a.id, InstanceId: x.instanceId})),
        [/IncorrectState/, /not attached/i],
      )
    }
    if (held.length > 0) {
      // DeleteVolume refuses a volume that is still detaching (VolumeInUse).
      await poll(
        async (c) => {
          const v = (await client.send(new DescribeVolumesCommand({VolumeIds: [a.id]}))).Volumes?.[0]
          c.state(v?.State ?? 'gone')
          return v === undefined || v.State === 'available' ? true : undefined
        },
        {what: `volume ${a.id} to detach`, ...pollOption(ctx.aws.timings)},
      )
    }
    await idempotentDelete(() => client.send(new DeleteVolumeCommand({VolumeId: a.id})))
  },

  describe: (p) => `${p.size} GiB ${p.volumeType}${p.encrypted ? ' encrypted' : ''} in ${p.zone}`,
}
