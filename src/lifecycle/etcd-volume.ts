/**
 * Boot of a control-plane instance: this member's etcd volume, attached and mounted at etcd's data
 * dir before etcd starts (the `etcd-volume` phase of `kforge init` and `kforge join`).
 *
 * Which member am I: the instance's `kforge.dev/etcd-member` tag, which its auto-scaling group
 * gave it at launch. Each control-plane group runs one instance and names one member, so every
 * instance the group ever launches mounts the same volume: a replacement finds the data of the
 * instance it replaces. The volume is found by that tag and the cluster's ownership tag, attached
 * (waiting while the instance it replaces still holds it), found by its volume id, formatted only
 * when blank, mounted by a systemd unit the kubelet requires, and its filesystem grown when
 * `update cluster` grew the volume (here, and by a unit at every boot).
 */
import {existsSync} from 'node:fs'
import {rename} from 'node:fs/promises'
import {join} from 'node:path'
import type {EC2Client} from '@aws-sdk/client-ec2'
import {
  attachMemberVolume,
  ETCD_DEVICE_NAME,
  etcdMemberOfInstance,
} from '../cloud/aws/on-instance/etcd-volume.js'
import type {VolumeActual} from '../cloud/aws/resources/volume.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {findVolumeDevice, prepareVolume} from './block-device.js'

/** The instance metadata this needs (an IMDSv2 client: src/cloud/aws/imds.ts). */
export interface InstanceMetadata {
  get(path: string): Promise<string | undefined>
}

/** How a node workflow reaches its instance and EC2: given by the command line (src/cli). */
export interface EtcdVolumeAccess {
  imds: InstanceMetadata
  /** An EC2 client in the instance's region (read from IMDS). */
  ec2(region: string): Promise<EC2Client>
  /** Between polls. Default: each wait's own */
  pollMs?: number
  /** How long to wait for the instance this replaces to let go. Default: 15 minutes */
  attachTimeoutMs?: number
}

export interface MountedEtcdVolume {
  volumeId: string
  member: string
  /** The block device it is on this boot (`/dev/nvme1n1`). */
  device: string
  /** True when this boot made the filesystem: the volume was blank. */
  formatted: boolean
  /** An etcd member's data is on it (`member/`): this instance resumes that member if it still can. */
  hasEtcdData: boolean
}

async function metadata(imds: InstanceMetadata, path: string): Promise<string> {
  const value = (await imds.get(`meta-data/${path}`))?.trim()
  if (!value) throw new KforgeError(`instance metadata has no meta-data/${path}`)
  return value
}

/**
 * The EC2 half: who this instance is (IMDS, then its own tags), and its member's volume attached
 * to it. Returns the volume and the device name the attachment asked for.
 */
export async function attachEtcdVolume(
  access: EtcdVolumeAccess,
  logger: Logger,
): Promise<{volume: VolumeActual; requested: string; member: string}> {
  const instanceId = await metadata(access.imds, 'instance-id')
  const zone = await metadata(access.imds, 'placement/availability-zone')
  const region = await metadata(access.imds, 'placement/region')
  const ec2 = await access.ec2(region)
  const me = await etcdMemberOfInstance(ec2, instanceId, zone)
  const {volume, device} = await attachMemberVolume(ec2, me, {
    logger,
    device: ETCD_DEVICE_NAME,
    ...(access.pollMs ? {intervalMs: access.pollMs} : {}),
    ...(access.attachTimeoutMs ? {timeoutMs: access.attachTimeoutMs} : {}),
  })
  return {volume, requested: device, member: me.member}
}

export async function mountEtcdVolume(
  access: EtcdVolumeAccess,
  o: {
    rootDir: string
    dataDir: string
    logger: Logger
    /** `systemd` on an instance; `direct` mounts with mount(8) (under a root dir, without systemd). */
    mount: 'systemd' | 'direct'
  },
): Promise<MountedEtcdVolume> {
  const {volume, requested, member} = await attachEtcdVolume(access, o.logger)
  const polls = access.pollMs ? {intervalMs: access.pollMs} : {}
  const device = await findVolumeDevice(volume.id, requested, {rootDir: o.rootDir, ...polls})
  const fs = await prepareVolume({
    rootDir: o.rootDir,
    where: o.dataDir,
    device,
    volumeId: volume.id,
    how: o.mount,
    logger: o.logger,
  })
  const target = join(o.rootDir, o.dataDir)
  const hasEtcdData = existsSync(join(target, 'member'))
  const grown = fs.grown ? `, grown to ${(fs.grown.toBytes / 2 ** 30).toFixed(2)} GiB` : ''
  o.logger.info(
    `[etcd-volume] volume ${volume.id} of member ${member} is mounted at ${o.dataDir} (${device}${fs.formatted ? ', formatted now' : ''}${grown}${hasEtcdData ? ', holding etcd data' : ''})`,
  )
  return {volumeId: volume.id, member, device, formatted: fs.formatted, hasEtcdData}
}

/**
 * etcd data this member cannot resume (its member was removed from the cluster, or it belongs to
 * another cluster: etcd-join decides) is set aside on the same volume (`member.set-aside-<time>`,
 * kept for a manual recovery) and the instance joins as a new member.
 */
export async function setAsideEtcdData(
  rootDir: string,
  dataDir: string,
  logger: Logger,
  now: Date = new Date(),
): Promise<string> {
  const target = join(rootDir, dataDir)
  const aside = join(target, `member.set-aside-${now.toISOString().replace(/[:.]/g, '-')}`)
  await rename(join(target, 'member'), aside)
  logger.warn(
    `[etcd-volume] the volume holds an etcd member's data; joining as a new member, the data kept in ${aside}`,
  )
  return aside
}
