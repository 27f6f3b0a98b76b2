/**
 * The operating-system half of etcd's volume: the device an attached EBS volume became, a
 * filesystem made only on a blank one, and a mount that survives reboots and comes before the
 * kubelet (so etcd's static pod never starts on the root volume's empty directory).
 *
 * Nitro instances expose EBS as NVMe devices whose serial is the volume id without its dash; udev
 * links them as /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol<hex>, and the kernel shows the
 * serial in /sys/block/nvme*n1/device/serial. The device name asked for in AttachVolume exists
 * only on Xen instances. Every path is read under `rootDir` (`/` on an instance, a directory in tests).
 */
import {execFile} from 'node:child_process'
import {constants} from 'node:fs'
import {access, chmod, mkdir, readdir, readFile, realpath, rmdir} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {poll} from '../cloud/aws/model/wait.js'
import {writeFileAtomic} from '../pki/files.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'

const exec = promisify(execFile)

const exists = (path: string) =>
  access(path, constants.F_OK).then(
    () => true,
    () => false,
  )

/** udev's name for a Nitro EBS device: the volume id without its dash. */
export function nvmeByIdPath(volumeId: string): string {
  return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace('-', '')}`
}

/** An NVMe namespace whose controller's serial is the volume id (when udev made no link). */
async function nvmeBySerial(rootDir: string, volumeId: string): Promise<string | undefined> {
  const serial = volumeId.replace('-', '')
  const blocks = await readdir(join(rootDir, 'sys/block')).catch(() => [] as string[])
  for (const name of blocks.filter((b) => /^nvme\d+n1$/.test(b))) {
    const text = await readFile(join(rootDir, 'sys/block', name, 'device/serial'), 'utf8').catch(() => '')
    if (text.trim() === serial) return `/dev/${name}`
  }
  return undefined
}

/**
 * The block device of an attached volume, once the kernel shows it: by volume id (Nitro), else
 * the requested name (Xen). Resolved through symlinks, so the result is the device node itself.
 */
export async function findVolumeDevice(
  volumeId: string,
  requested: string,
  o: {rootDir: string; timeoutMs?: number; intervalMs?: number},
): Promise<string> {
  return poll(
    async () => {
      for (const path of [nvmeByIdPath(volumeId), await nvmeBySerial(o.rootDir, volumeId), requested]) {
        if (path === undefined) continue
        const full = join(o.rootDir, path)
        if (await exists(full)) return realpath(full)
      }
      return undefined
    },
    {
      what: `volume ${volumeId} to appear as ${nvmeByIdPath(volumeId)} or ${requested}`,
      timeoutMs: o.timeoutMs ?? 120_000,
      intervalMs: o.intervalMs ?? 1000,
    },
  )
}

export interface Probe {
  /** The filesystem's type (`ext4`), if blkid finds one. */
  type?: string
  uuid?: string
  /** A partition table (`gpt`, `dos`): not blank, though no filesystem is on the device itself. */
  partitionTable?: string
}

/** What is on the device, by blkid's low-level probe (no cache): exit 2 means nothing at all. */
export async function probe(device: string): Promise<Probe> {
  try {
    const {stdout} = await exec('blkid', ['-p', '-o', 'export', device])
    const fields = new Map(
      stdout
        .split('\n')
        .map((l) => l.split('='))
        .filter((kv) => kv.length >= 2)
        .map(([k, ...v]) => [k!, v.join('=')]),
    )
    return {
      ...(fields.get('TYPE') ? {type: fields.get('TYPE')!} : {}),
      ...(fields.get('UUID') ? {uuid: fields.get('UUID')!} : {}),
      ...(fields.get('PTTYPE') ? {partitionTable: fields.get('PTTYPE')!} : {}),
    }
  } catch (err) {
    if ((err as {code?: unknown}).code === 2) return {}
    throw err
  }
}

/** The label mkfs gives etcd's filesystem (ext4 labels hold 16 bytes). */
export const ETCD_FS_LABEL = 'kforge-etcd'

/**
 * Makes an ext4 filesystem only on a blank device: anything blkid recognises (a filesystem, a
 * partition table) is someone's data, and is kept. Returns what is on the device afterwards.
 */
export async function formatIfBlank(device: string, logger: Logger): Promise<Probe & {formatted: boolean}> {
  const before = await probe(device)
  if (before.type) return {...before, formatted: false}
  if (before.partitionTable) {
    throw new KforgeError(
      `${device} holds a ${before.partitionTable} partition table and no filesystem; kforge formats only a blank volume`,
    )
  }
  logger.info(`[etcd-volume] ${device} is blank: making an ext4 filesystem`)
  await exec('mkfs.ext4', ['-q', '-L', ETCD_FS_LABEL, device])
  const after = await probe(device)
  if (!after.type) throw new KforgeError(`mkfs.ext4 ${device} left no filesystem blkid can see`)
  return {...after, formatted: true}
}

/** systemd's unit name for a mount point (`/var/lib/etcd` → `var-lib-etcd.mount`). */
export function mountUnitName(where: string): string {
  const escaped = where
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((part) =>
      part.replace(/[^a-zA-Z0-9:_.]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`),
    )
    .join('-')
  return `${escaped}.mount`
}

/**
 * The mount unit: by filesystem UUID (stable on Xen and Nitro, whatever the device is called
 * after a reboot), before the kubelet, and required by it, so a volume that fails to mount keeps
 * etcd from starting on the empty directory beneath.
 */
export function mountUnit(o: {where: string; uuid: string; type: string; volumeId: string}): string {
  return [
    '[Unit]',
    `Description=etcd data on EBS volume ${o.volumeId} (kforge)`,
    'Before=kubelet.service',
    '',
    '[Mount]',
    `What=/dev/disk/by-uuid/${o.uuid}`,
    `Where=${o.where}`,
    `Type=${o.type}`,
    'Options=defaults,noatime',
    '',
    '[Install]',
    'WantedBy=local-fs.target',
    'RequiredBy=kubelet.service',
    '',
  ].join('\n')
}

/** systemd's name for the unit that grows etcd's filesystem at every boot (growUnit). */
export function growUnitName(where: string): string {
  return `kforge-growfs-${mountUnitName(where).replace(/\.mount$/, '')}.service`
}

/**
 * Grows the filesystem to its device at every boot, after the mount and before the kubelet: `update
 * cluster` grows the EBS volume while the instance runs, and a replacement instance (or a reboot)
 * must not leave the new space unused until someone runs the etcd-volume phase again. resize2fs on a
 * mounted ext4 grows it online, and says "Nothing to do" (exit 0) when it already fills the device.
 * Wanted, not required, by the kubelet: etcd runs on the old size if growing fails.
 */
export function growUnit(o: {where: string; uuid: string; volumeId: string}): string {
  const mount = mountUnitName(o.where)
  return [
    '[Unit]',
    `Description=Grow etcd's filesystem to its EBS volume ${o.volumeId} (kforge)`,
    `Requires=${mount}`,
    `After=${mount}`,
    'Before=kubelet.service',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/sbin/resize2fs /dev/disk/by-uuid/${o.uuid}`,
    'RemainAfterExit=yes',
    '',
    '[Install]',
    'WantedBy=kubelet.service',
    '',
  ].join('\n')
}

/** Whether `path` is a mount point now (this process's view of the mounts). */
export async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8')
  const target = await realpath(path).catch(() => path)
  // Field 5 is the mount point, with spaces and the like octal-escaped.
  return info.split('\n').some((line) => line.split(' ')[4]?.replace(/\\040/g, ' ') === target)
}

export interface MountOptions {
  rootDir: string
  /** The node path (`/var/lib/etcd`). */
  where: string
  device: string
  volumeId: string
  probe: Probe
  /** `systemd`: enable and start the unit (an instance). `direct`: mount(8) it (tests, no systemd). */
  how: 'systemd' | 'direct'
  logger: Logger
}

/** Writes the unit, mounts the filesystem at `where`, and leaves it etcd's: mode 0700. */
export async function mountVolume(o: MountOptions): Promise<void> {
  if (!o.probe.uuid || !o.probe.type) throw new KforgeError(`${o.device}: no filesystem UUID to mount by`)
  const unit = mountUnitName(o.where)
  const target = join(o.rootDir, o.where)
  await mkdir(target, {recursive: true, mode: 0o700})
  await writeFileAtomic(
    join(o.rootDir, 'etc/systemd/system', unit),
    mountUnit({where: o.where, uuid: o.probe.uuid, type: o.probe.type, volumeId: o.volumeId}),
    0o644,
  )
  if (await isMountPoint(target)) {
    o.logger.info(`[etcd-volume] ${o.where} is already mounted`)
  } else if (o.how === 'systemd') {
    await exec('systemctl', ['daemon-reload'])
    await exec('systemctl', ['enable', '--now', unit])
  } else {
    await exec('mount', ['-t', o.probe.type, o.device, target])
  }
  if (!(await isMountPoint(target))) throw new KforgeError(`${o.where}: ${o.device} did not mount there`)
  await chmod(target, 0o700)
  if (o.probe.type !== 'ext4') return
  const grow = growUnitName(o.where)
  await writeFileAtomic(
    join(o.rootDir, 'etc/systemd/system', grow),
    growUnit({where: o.where, uuid: o.probe.uuid, volumeId: o.volumeId}),
    0o644,
  )
  // Enabled also on a node whose volume was mounted before kforge grew volumes: the phase run
  // alone (`kforge init phase etcd-volume`) brings it the unit.
  if (o.how === 'systemd') {
    await exec('systemctl', ['daemon-reload'])
    await exec('systemctl', ['enable', grow])
  }
}

/** Bytes of a block device. */
async function deviceBytes(device: string): Promise<number> {
  const {stdout} = await exec('blockdev', ['--getsize64', device])
  return Number(stdout.trim())
}

/** Bytes an ext4 filesystem spans, from its superblock (block count × block size). */
export async function ext4Bytes(device: string): Promise<number> {
  const {stdout} = await exec('dumpe2fs', ['-h', device], {maxBuffer: 4 * 1024 * 1024})
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(stdout)?.[1] ?? Number.NaN)
  const bytes = field('Block count') * field('Block size')
  if (!Number.isFinite(bytes)) throw new KforgeError(`dumpe2fs -h ${device} shows no block count and size`)
  return bytes
}

/**
 * Less than any growth EBS makes (whole GiB), more than resize2fs may leave unused at the end of
 * a device (a last block group too small to hold its own metadata).
 */
const GROW_SLACK_BYTES = 8 * 1024 * 1024

export interface Grown {
  fromBytes: number
  toBytes: number
}

/** The exit code and output of a failed command, for the messages below. */
function failure(err: unknown): {code: unknown; text: string} {
  const e = err as {code?: unknown; stderr?: unknown; message?: unknown}
  // The last line says what went wrong (resize2fs prints its version first).
  const text = String(e.stderr || e.message || err).trim()
  return {code: e.code, text: text.split('\n').at(-1) ?? text}
}

/**
 * Grows an ext4 filesystem to its block device when the device is larger (the volume was grown:
 * `spec.etcd.volumeSize`). `online`: mounted, etcd may keep running; the kernel does the resize
 * (EXT4_IOC_RESIZE_FS), which needs CAP_SYS_RESOURCE. `offline`: not mounted, checked first
 * (resize2fs insists on a freshly checked filesystem) and grown by resize2fs itself. Other
 * filesystems (a volume someone formatted by hand) are left as they are. Undefined when nothing
 * needed growing.
 */
export async function growFilesystem(
  device: string,
  fsType: string | undefined,
  how: 'online' | 'offline',
  logger: Logger,
): Promise<Grown | undefined> {
  if (fsType !== 'ext4') {
    logger.info(
      `[etcd-volume] ${device} holds ${fsType ?? 'no'} filesystem, not ext4: kforge does not grow it`,
    )
    return undefined
  }
  const [size, fs] = [await deviceBytes(device), await ext4Bytes(device)]
  if (size - fs < GROW_SLACK_BYTES) return undefined
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`
  logger.info(
    `[etcd-volume] ${device} is ${gib(size)} and its filesystem ${gib(fs)}: growing it (resize2fs, ${how})`,
  )
  if (how === 'offline') {
    // -p repairs only what is safe unattended; 1 means it did, 0 nothing to do (e2fsck(8)).
    await exec('e2fsck', ['-f', '-p', device]).catch((err: unknown) => {
      const f = failure(err)
      if (f.code === 1) return
      throw new KforgeError(`e2fsck -f -p ${device} (exit ${String(f.code)}) before growing it: ${f.text}`)
    })
  }
  await exec('resize2fs', [device]).catch((err: unknown) => {
    const f = failure(err)
    if (how === 'online' && /Permission denied to resize/.test(f.text)) {
      throw new KforgeError(
        `the kernel refused to grow the mounted filesystem on ${device} (${f.text}): growing it online ` +
          'needs CAP_SYS_RESOURCE, which this process lacks (a container?). Run `resize2fs` on the host, or let the ' +
          'next boot grow it (its growfs unit, or this phase before mounting it)',
      )
    }
    throw new KforgeError(`resize2fs ${device}: ${f.text}`)
  })
  const after = await ext4Bytes(device)
  if (after <= fs) throw new KforgeError(`resize2fs ${device} left the filesystem at ${gib(after)}`)
  return {fromBytes: fs, toBytes: after}
}

/**
 * The device half of the etcd-volume phase, once the volume's device is known: format a blank
 * one, grow the filesystem into a grown volume, mount it (and its boot-time units), leave a fresh
 * one empty. A boot grows it before mounting it (offline, the usual case: a replacement instance
 * after `update cluster` grew the volume); the phase run alone on a running node finds it mounted
 * and grows it online. Run again, each step finds its work done.
 */
export async function prepareVolume(o: {
  rootDir: string
  where: string
  device: string
  volumeId: string
  how: 'systemd' | 'direct'
  logger: Logger
}): Promise<Probe & {formatted: boolean; grown?: Grown}> {
  const fs = await formatIfBlank(o.device, o.logger)
  const mounted = await isMountPoint(join(o.rootDir, o.where))
  const offline =
    mounted || fs.formatted ? undefined : await growFilesystem(o.device, fs.type, 'offline', o.logger)
  await mountVolume({...o, probe: fs})
  if (fs.formatted) await clearFreshFilesystem(join(o.rootDir, o.where))
  const grown = mounted ? await growFilesystem(o.device, fs.type, 'online', o.logger) : offline
  return {...fs, ...(grown ? {grown} : {})}
}

/**
 * A fresh ext4 filesystem holds lost+found; kubeadm's preflight (DirAvailable--var-lib-etcd) wants
 * the data dir empty before init. An empty lost+found goes (e2fsck makes another when it needs one).
 */
export async function clearFreshFilesystem(target: string): Promise<void> {
  await rmdir(join(target, 'lost+found')).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY') throw err
  })
}
