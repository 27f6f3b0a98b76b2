/**
 * Growing an etcd volume (`spec.etcd.volumeSize` raised): what the plan refuses of a volume
 * change, and the ModifyVolume call that applies a growth, the same rule for the direct target and
 * for a CloudFormation stack (its change set would otherwise try a shrink, or replace a volume
 * moved to another zone with a blank one, the old one kept by Retain but no longer mounted).
 *
 * EBS modifies a volume in place (modifying → optimizing → completed); its new size is usable from
 * `optimizing` on, and the instance then sees a larger block device, which the node's etcd-volume
 * phase grows its filesystem into (src/lifecycle/block-device.ts). EBS takes one modification of a
 * volume at a time and limits how often one volume may be modified (the documented rule has been
 * "wait 6 hours between modifications"): a modification still running is reported before any call,
 * and AWS's refusal is passed on with the last modification's start.
 */
import type {VolumeModification} from '@aws-sdk/client-ec2'
import {KforgeError} from '../../../util/errors.js'
import {pollOption} from '../../../util/timings.js'
import {awsErrorCode} from '../model/errors.js'
import type {ApplyContext, FieldRefusal} from '../model/types.js'
import {poll} from '../model/wait.js'
import {ec2, ec2Module} from './ec2.js'

/** The fields a volume change is judged on, read from the model or from a template alike. */
export interface VolumeShape {
  zone: string
  size: number
  volumeType: string
  encrypted: boolean
}

/**
 * What kforge will not change of an etcd volume, with why. Only growth is applied: EBS cannot
 * shrink a volume, move it to another zone or change its encryption, and kforge's etcd volumes
 * are gp3 (a type changed outside kforge is left for whoever changed it).
 */
export function volumeRefusals(name: string, was: VolumeShape, want: VolumeShape): FieldRefusal[] {
  const out: FieldRefusal[] = []
  if (want.size < was.size) {
    out.push({
      field: 'size',
      message:
        `Volume ${name}: spec.etcd.volumeSize (${want.size} GiB) is smaller than the volume (${was.size} GiB); ` +
        'an EBS volume can grow but never shrink: set spec.etcd.volumeSize to ' +
        `${was.size} or more (moving etcd to a smaller volume means a new cluster restored from a backup)`,
    })
  }
  if (want.zone !== was.zone) {
    out.push({
      field: 'zone',
      message:
        `Volume ${name}: the volume is in ${was.zone} and the spec puts its member in ${want.zone} ` +
        "(the control-plane group's subnet); an EBS volume cannot move to another zone: keep the group in a subnet of " +
        was.zone,
    })
  }
  if (want.volumeType !== was.volumeType) {
    out.push({
      field: 'volumeType',
      message:
        `Volume ${name}: its type is ${was.volumeType} and kforge makes etcd volumes ${want.volumeType}; ` +
        'kforge grows an etcd volume (spec.etcd.volumeSize) but does not change its type: change it back ' +
        `outside kforge (aws ec2 modify-volume --volume-type ${want.volumeType})`,
    })
  }
  if (want.encrypted !== was.encrypted) {
    out.push({
      field: 'encrypted',
      message: `Volume ${name}: an EBS volume's encryption cannot change (${was.encrypted} -> ${want.encrypted})`,
    })
  }
  return out
}

/** States in which a modification holds the volume: no other may start. */
const RUNNING = ['modifying', 'optimizing']

function when(m: VolumeModification): string {
  return m.StartTime ? m.StartTime.toISOString() : 'at an unknown time'
}

function describeModification(m: VolumeModification): string {
  const sizes =
    m.OriginalSize !== undefined && m.TargetSize !== undefined
      ? `, ${m.OriginalSize} -> ${m.TargetSize} GiB`
      : ''
  return `started ${when(m)}, ${m.ModificationState ?? 'in an unknown state'}${m.Progress !== undefined ? ` ${m.Progress}%` : ''}${sizes}`
}

/** The volume's latest modification, if it was ever modified. */
async function latestModification(
  ctx: ApplyContext,
  volumeId: string,
): Promise<VolumeModification | undefined> {
  const {DescribeVolumesModificationsCommand} = await ec2Module()
  const out = await (await ec2(ctx)).send(new DescribeVolumesModificationsCommand({VolumeIds: [volumeId]}))
  const all = (out.VolumesModifications ?? []).filter(
    (m) => m.VolumeId === undefined || m.VolumeId === volumeId,
  )
  return all.sort((a, b) => (a.StartTime?.getTime() ?? 0) - (b.StartTime?.getTime() ?? 0)).at(-1)
}

/**
 * Grows volume `volumeId` to `size` GiB and waits until the new size is usable (`optimizing` or
 * `completed`). A modification to that size already running (an apply interrupted after its
 * call) is waited for, not repeated; any other running one is reported, not raced.
 */
export async function growVolume(
  ctx: ApplyContext,
  o: {name: string; volumeId: string; from: number; size: number},
): Promise<void> {
  const {ModifyVolumeCommand} = await ec2Module()
  const what = `volume ${o.volumeId} (${o.name})`
  const last = await latestModification(ctx, o.volumeId)
  const running = last && RUNNING.includes(last.ModificationState ?? '')
  if (running && last.TargetSize !== o.size) {
    throw new KforgeError(
      `${what}: a modification (${describeModification(last)}) is still running, and EBS modifies a volume ` +
        'one change at a time: run update cluster again once it is completed (DescribeVolumesModifications ' +
        'shows its progress; EBS may also ask for up to 6 hours between modifications of one volume)',
    )
  }
  if (!running) {
    try {
      await (await ec2(ctx)).send(new ModifyVolumeCommand({VolumeId: o.volumeId, Size: o.size}))
    } catch (err) {
      const code = awsErrorCode(err)
      if (code === 'VolumeModificationRateExceeded' || code === 'IncorrectModificationState') {
        throw new KforgeError(
          `${what}: EBS refused to grow it from ${o.from} to ${o.size} GiB now (${code}: ${(err as Error).message})` +
            `${last ? `; its last modification ${describeModification(last)}` : ''}. ` +
            'EBS limits how often one volume may be modified (the rule has long been once per 6 hours): ' +
            'run update cluster again later; nothing else was changed on this volume',
          {cause: err},
        )
      }
      throw err
    }
  }
  await poll(
    async (c) => {
      const m = await latestModification(ctx, o.volumeId)
      const state = m?.ModificationState ?? 'not listed yet'
      c.state(state)
      if (state === 'failed') {
        throw new KforgeError(
          `${what}: growing to ${o.size} GiB failed: ${m?.StatusMessage ?? 'no reason given'}`,
        )
      }
      return m?.TargetSize === o.size && (state === 'optimizing' || state === 'completed') ? true : undefined
    },
    {
      what: `${what} to reach ${o.size} GiB (modification optimizing or completed)`,
      ...pollOption(ctx.aws.timings),
    },
  )
}
