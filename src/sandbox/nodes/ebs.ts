/**
 * EBS for emulated instances (./instance.ts), as the hypervisor and the kernel provide it: a
 * volume the emulator shows attached to a running instance appears in that instance as an NVMe
 * device, `/dev/nvme<N>n1`, with the link udev makes on a Nitro instance
 * (`/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol…`). Its bytes are a sparse file of the
 * volume's size on the host, behind a loop device, so they outlive the instance that used them: a
 * replacement that attaches the same volume finds the same data. A detached volume's loop device
 * is released; its file stays until the stand-in is told to drop it (the volume was deleted).
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {DescribeVolumesCommand, type EC2Client} from '@aws-sdk/client-ec2'
import {nvmeByIdPath} from '../../lifecycle/block-device.js'
import type {Instance} from './instance.js'
import {inNode} from './node.js'

/** The root device names of the AMIs the emulator launches (moto attaches an 8 GiB root volume at /dev/sda1). */
const ROOT_DEVICES = new Set(['/dev/sda1', '/dev/xvda'])

export interface EbsStandIn {
  /** Volume id → the instance it is plumbed into now. */
  readonly attached: ReadonlyMap<string, string>
  stop(): Promise<void>
}

interface Plumbed {
  instanceId: string
  loop: string
}

export function startEbs(o: {
  ec2: EC2Client
  /** Where the volumes' bytes are kept. */
  dir: string
  /** The instances running now, by instance id. */
  instances: () => ReadonlyMap<string, Instance>
  pollMs?: number
  log?: (line: string) => void
}): EbsStandIn {
  mkdirSync(o.dir, {recursive: true})
  const plumbed = new Map<string, Plumbed>()
  const attached = new Map<string, string>()
  const log = o.log ?? (() => {})
  let stopped = false

  const release = (volumeId: string) => {
    const p = plumbed.get(volumeId)
    if (!p) return
    try {
      execFileSync('losetup', ['-d', p.loop], {stdio: 'ignore'})
    } catch {
      // still open in a dying instance: the kernel frees it when the last user goes (autoclear)
    }
    plumbed.delete(volumeId)
    attached.delete(volumeId)
    log(`ebs: ${volumeId} detached from ${p.instanceId}`)
  }

  const plumb = (volumeId: string, sizeGiB: number, node: Instance) => {
    const file = join(o.dir, `${volumeId}.img`)
    if (!existsSync(file)) execFileSync('truncate', ['-s', `${sizeGiB}G`, file])
    const loop = execFileSync('losetup', ['--find', '--show', file], {encoding: 'utf8'}).trim()
    const rdev = statSync(loop).rdev
    const [major, minor] = [Math.floor(rdev / 256) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00)]
    const index = [...plumbed.values()].filter((p) => p.instanceId === node.instanceId).length + 1
    const device = `/dev/nvme${index}n1`
    const link = nvmeByIdPath(volumeId)
    const [cmd, ...args] = inNode(node, [
      'sh',
      '-c',
      `rm -f ${device} && mknod ${device} b ${major} ${minor} && mkdir -p /dev/disk/by-id && ln -sf ../../${device.slice(5)} ${link}`,
    ])
    execFileSync(cmd!, args, {stdio: 'ignore'})
    plumbed.set(volumeId, {instanceId: node.instanceId, loop})
    attached.set(volumeId, node.instanceId)
    log(`ebs: ${volumeId} attached to ${node.instanceId} as ${device} (${loop})`)
  }

  const tick = async () => {
    const running = o.instances()
    const volumes = (await o.ec2.send(new DescribeVolumesCommand({}))).Volumes ?? []
    const seen = new Set<string>()
    for (const v of volumes) {
      const a = v.Attachments?.find((x) => x.State === 'attached' || x.State === 'attaching')
      // the root volume is the instance's own root disk (its overlay), not a device
      if (a?.Device && ROOT_DEVICES.has(a.Device)) continue
      const node = a?.InstanceId ? running.get(a.InstanceId) : undefined
      if (!v.VolumeId || !node) continue
      seen.add(v.VolumeId)
      const p = plumbed.get(v.VolumeId)
      if (p && p.instanceId !== node.instanceId) release(v.VolumeId)
      if (!plumbed.has(v.VolumeId)) plumb(v.VolumeId, v.Size ?? 1, node)
    }
    for (const volumeId of [...plumbed.keys()]) if (!seen.has(volumeId)) release(volumeId)
  }

  const loop = (async () => {
    while (!stopped) {
      await tick().catch((err: Error) => log(`ebs: ${err.message}`))
      await new Promise((r) => setTimeout(r, o.pollMs ?? 500))
    }
  })()

  return {
    attached,
    async stop() {
      stopped = true
      await loop
      for (const volumeId of [...plumbed.keys()]) release(volumeId)
    },
  }
}

/** Drops the volumes' bytes (the emulator's volumes are gone). */
export function removeEbsVolumes(dir: string): void {
  rmSync(dir, {recursive: true, force: true})
}
