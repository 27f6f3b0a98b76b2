/**
 * The boot's device half on a real block device (a loop device standing in for the attached EBS
 * volume, linked under a root dir by the name udev gives a Nitro volume): found by volume id,
 * formatted only when blank, mounted with lost+found gone and mode 0700; a second boot finds the
 * data and does not format again; a grown volume (a larger backing file, `losetup -c`) gets its
 * filesystem grown, mounted and at the next boot, the data kept. Needs root (losetup, mkfs, mount).
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, statfsSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import * as bd from '../../src/lifecycle/block-device.js'
import {silentLogger} from '../../src/util/logger.js'
import {tempDir} from '../support/cli.js'

const dir = tempDir('kforge-etcd-device-')
const root = join(dir, 'root')
const image = join(dir, 'volume.img')
const VOLUME = 'vol-0abc0000000000001'
let loop = ''

afterAll(() => {
  try {
    execFileSync('umount', [join(root, 'var/lib/etcd')], {stdio: 'ignore'})
  } catch {}
  if (loop) execFileSync('losetup', ['-d', loop])
})

describe('etcd volume device on a loop device', () => {
  it('formats a blank volume once, mounts it for etcd, and keeps its data on the next boot', async () => {
    if (process.getuid?.() !== 0) throw new Error('needs root (losetup, mkfs, mount)')
    execFileSync('truncate', ['-s', '64M', image])
    loop = execFileSync('losetup', ['--find', '--show', image]).toString().trim()
    mkdirSync(join(root, 'dev/disk/by-id'), {recursive: true})
    symlinkSync(loop, join(root, bd.nvmeByIdPath(VOLUME)))
    const boot = async () => {
      const device = await bd.findVolumeDevice(VOLUME, '/dev/xvdu', {rootDir: root, timeoutMs: 5000})
      const fs = await bd.prepareVolume({
        rootDir: root,
        where: '/var/lib/etcd',
        device,
        volumeId: VOLUME,
        how: 'direct',
        logger: silentLogger,
      })
      return {device, fs}
    }
    const first = await boot()
    expect(first.device).toBe(loop)
    expect(first.fs).toMatchObject({formatted: true, type: 'ext4'})
    expect(readdirSync(join(root, 'var/lib/etcd'))).toEqual([])
    expect(statSync(join(root, 'var/lib/etcd')).mode & 0o777).toBe(0o700)
    mkdirSync(join(root, 'var/lib/etcd/member'))
    writeFileSync(join(root, 'var/lib/etcd/member/kept'), 'data')
    execFileSync('umount', [join(root, 'var/lib/etcd')])

    const second = await boot()
    expect(second.fs).toMatchObject({formatted: false, type: 'ext4', uuid: first.fs.uuid})
    expect(second.fs.grown).toBeUndefined()
    expect(readdirSync(join(root, 'var/lib/etcd/member'))).toEqual(['kept'])
    // The unit that grows it at every boot, by the same UUID as the mount.
    expect(
      readFileSync(join(root, 'etc/systemd/system', bd.growUnitName('/var/lib/etcd')), 'utf8'),
    ).toContain(`ExecStart=/sbin/resize2fs /dev/disk/by-uuid/${first.fs.uuid}\n`)
    execFileSync('umount', [join(root, 'var/lib/etcd')])
  })

  it('grows the filesystem into a grown volume, mounted (the phase run alone) and at the next boot, data intact', async () => {
    if (!loop) throw new Error('the first test left no loop device')
    const mounted = join(root, 'var/lib/etcd')
    const boot = async () =>
      bd.prepareVolume({
        rootDir: root,
        where: '/var/lib/etcd',
        device: loop,
        volumeId: VOLUME,
        how: 'direct',
        logger: silentLogger,
      })
    const fsBytes = () => bd.ext4Bytes(loop)
    const dfBytes = () => statfsSync(mounted).blocks * statfsSync(mounted).bsize

    // Mounted, as on a running node: EBS grew the volume (ModifyVolume), the kernel sees the
    // larger device (losetup -c stands in for the NVMe namespace's new size), the phase runs again.
    const before = await boot()
    expect(before.grown).toBeUndefined()
    const fs64 = await fsBytes()
    expect(fs64).toBe(64 * 2 ** 20)
    const df64 = dfBytes()
    execFileSync('truncate', ['-s', '128M', image])
    execFileSync('losetup', ['-c', loop])
    const online = await boot()
    expect(online).toMatchObject({formatted: false, uuid: before.uuid})
    expect(online.grown).toEqual({fromBytes: fs64, toBytes: 128 * 2 ** 20})
    expect(await fsBytes()).toBe(128 * 2 ** 20)
    expect(dfBytes()).toBeGreaterThan(df64 + 60 * 2 ** 20)
    expect(readFileSync(join(mounted, 'member/kept'), 'utf8')).toBe('data')
    expect((await boot()).grown).toBeUndefined()

    // Grown while the instance was away (a replacement, a reboot): the next boot mounts, then grows.
    execFileSync('umount', [mounted])
    execFileSync('truncate', ['-s', '192M', image])
    execFileSync('losetup', ['-c', loop])
    const next = await boot()
    expect(next.grown).toEqual({fromBytes: 128 * 2 ** 20, toBytes: 192 * 2 ** 20})
    expect(readFileSync(join(mounted, 'member/kept'), 'utf8')).toBe('data')
    execFileSync('umount', [mounted])
    // The filesystem is sound after two online growths.
    execFileSync('e2fsck', ['-f', '-n', loop], {stdio: 'ignore'})
  })
})
