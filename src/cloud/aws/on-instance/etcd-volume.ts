/**
 * What a control-plane instance asks of EC2 at boot to get its etcd member's volume: who it is
 * (its own tags), which volume is its member's (by tag), and the attachment, waiting while an
 * instance that held the volume before (the one this instance replaces) still has it. These calls
 * run under the control-plane role (docs/iam/README.md), never the provisioner's.
 */
import type {EC2Client} from '@aws-sdk/client-ec2'
import {KforgeError} from '../../../util/errors.js'
import type {Logger} from '../../../util/logger.js'
import {awsErrorCode} from '../model/errors.js'
import {poll} from '../model/wait.js'
import {type VolumeActual, volumeActual} from '../resources/volume.js'
import {clusterTagKey, ETCD_MEMBER_TAG, fromTagList} from '../tags.js'

/**
 * The device name asked for in AttachVolume, as kops asks for its etcd volumes. Xen instances
 * show the volume under it; Nitro instances show it as an NVMe device named by the volume id.
 */
export const ETCD_DEVICE_NAME = '/dev/xvdu'

export interface InstanceIdentity {
  instanceId: string
  zone: string
  cluster: string
  /** The etcd member this instance is (its ETCD_MEMBER_TAG, from its group). */
  member: string
}

/** This instance's cluster and member, from the tags its auto-scaling group gave it at launch. */
export async function etcdMemberOfInstance(
  ec2: EC2Client,
  instanceId: string,
  zone: string,
): Promise<InstanceIdentity> {
  const {DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
  const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instanceId]}))
  const tags = fromTagList(out.Reservations?.[0]?.Instances?.[0]?.Tags)
  const cluster = tags.KubernetesCluster
  const member = tags[ETCD_MEMBER_TAG]
  if (!cluster || !member) {
    throw new KforgeError(
      `instance ${instanceId} carries no ${!cluster ? 'KubernetesCluster' : ETCD_MEMBER_TAG} tag: ` +
        'it was not launched by a kforge control-plane group, so it has no etcd volume to mount',
    )
  }
  return {instanceId, zone, cluster, member}
}

/** The member's volume: the cluster owns it and it carries the member tag. */
export async function findMemberVolume(
  ec2: EC2Client,
  me: InstanceIdentity,
): Promise<VolumeActual | undefined> {
  const {DescribeVolumesCommand} = await import('@aws-sdk/client-ec2')
  const out = await ec2.send(
    new DescribeVolumesCommand({
      Filters: [
        {Name: `tag:${clusterTagKey(me.cluster)}`, Values: ['owned']},
        {Name: `tag:${ETCD_MEMBER_TAG}`, Values: [me.member]},
      ],
    }),
  )
  const found = (out.Volumes ?? [])
    .map(volumeActual)
    .filter((v) => v.state !== 'deleting' && v.state !== 'deleted')
  if (found.length > 1) {
    throw new KforgeError(
      `etcd member ${me.member} of ${me.cluster} has ${found.length} volumes (${found.map((v) => v.id).join(', ')}); ` +
        'kforge will not guess which holds its data: delete the wrong one',
    )
  }
  const v = found[0]
  if (v && v.zone !== me.zone) {
    throw new KforgeError(
      `etcd volume ${v.id} of member ${me.member} is in ${v.zone}, this instance in ${me.zone}: an EBS volume attaches only in its own zone`,
    )
  }
  return v
}

export interface AttachOptions {
  logger: Logger
  /** Default: 15 minutes (a replaced instance may take minutes to shut down and let go). */
  timeoutMs?: number
  /** Default: 2 s, growing. */
  intervalMs?: number
  /** Default: ETCD_DEVICE_NAME */
  device?: string
}

/** Errors with which AttachVolume says "not now": the volume is still someone else's, or busy. */
const NOT_YET = new Set(['VolumeInUse', 'IncorrectState', 'InvalidVolume.NotFound'])

/**
 * Attaches the member's volume to this instance and waits until EC2 says it is attached. A volume
 * still attached to another instance (the one this replaces, shutting down) is waited for, never
 * taken: forcing it off a live etcd member could lose that member's last writes. A volume not
 * there yet (the provisioner makes it just before the group) is waited for too.
 */
export async function attachMemberVolume(
  ec2: EC2Client,
  me: InstanceIdentity,
  options: AttachOptions,
): Promise<{volume: VolumeActual; device: string}> {
  const {AttachVolumeCommand, DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
  const device = options.device ?? ETCD_DEVICE_NAME
  const holderState = async (id: string): Promise<string> => {
    const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [id]})).catch(() => undefined)
    return out?.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? 'unknown'
  }
  let told = ''
  const say = (line: string) => {
    if (line !== told) options.logger.info(`[etcd-volume] ${line}`)
    told = line
  }
  return poll(
    async (c) => {
      const v = await findMemberVolume(ec2, me)
      if (!v) {
        c.state('no volume yet')
        say(
          `waiting for the volume of member ${me.member} (tags ${clusterTagKey(me.cluster)}=owned, ${ETCD_MEMBER_TAG}=${me.member})`,
        )
        return undefined
      }
      const live = v.attachments.filter((a) => a.state !== 'detached')
      const mine = live.find((a) => a.instanceId === me.instanceId)
      if (mine) {
        c.state(`${v.id} ${mine.state}`)
        return mine.state === 'attached' ? {volume: v, device: mine.device || device} : undefined
      }
      const other = live[0]
      if (other) {
        const state = await holderState(other.instanceId)
        c.state(`${v.id} ${other.state} to ${other.instanceId} (${state})`)
        say(
          `volume ${v.id} is still ${other.state} to ${other.instanceId} (${state}); waiting for it to let go`,
        )
        return undefined
      }
      if (v.state !== 'available') {
        c.state(`${v.id} ${v.state}`)
        return undefined
      }
      try {
        await ec2.send(new AttachVolumeCommand({VolumeId: v.id, InstanceId: me.instanceId, Device: device}))
        say(`attaching volume ${v.id} of member ${me.member} as ${device}`)
      } catch (err) {
        // Another instance got there first, or the old one is mid-detach: look again.
        if (!NOT_YET.has(awsErrorCode(err))) throw err
        c.state(`${v.id}: ${awsErrorCode(err)}`)
      }
      return undefined
    },
    {
      what: `the etcd volume of member ${me.member} to attach to ${me.instanceId}`,
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
      ...(options.intervalMs ? {intervalMs: options.intervalMs} : {}),
    },
  )
}
