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

/** One boot's device half: find the volume's device, format, grow and mount as the phase does. */
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

describe('etcd volume device on a loop device', () => {
  it('formats a blank volume once, mounts it for etcd, and keeps its data on the next boot', async () => {
    if (process.getuid?.() !== 0) throw new Error('needs root (losetup, mkfs, mount)')
    execFileSync('truncate', ['-s', '64M', image])
    loop = execFileSync('losetup', ['--find', '--show', image]).toString().trim()
    mkdirSync(join(root, 'dev/disk/by-id'), {recursive: true})
    symlinkSync(loop, join(root, bd.nvmeByIdPath(VOLUME)))
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

  it('grows the filesystem of a volume grown while unmounted (the next boot), before mounting it, data intact', async () => {
    if (!loop) throw new Error('the first test left no loop device')
    const mounted = join(root, 'var/lib/etcd')
    const fs64 = await bd.ext4Bytes(loop)
    expect(fs64).toBe(64 * 2 ** 20)
    // EBS grew the volume (ModifyVolume) while no instance had it mounted: a larger backing file,
    // and `losetup -c` for the kernel to see the device's new size, as an NVMe namespace's.
    execFileSync('truncate', ['-s', '128M', image])
    execFileSync('losetup', ['-c', loop])
    const next = await boot()
    expect(next.fs).toMatchObject({formatted: false, type: 'ext4'})
    expect(next.fs.grown).toEqual({fromBytes: fs64, toBytes: 128 * 2 ** 20})
    expect(await bd.ext4Bytes(loop)).toBe(128 * 2 ** 20)
    const df = statfsSync(mounted)
    expect(df.blocks * df.bsize).toBeGreaterThan(100 * 2 ** 20)
    expect(readFileSync(join(mounted, 'member/kept'), 'utf8')).toBe('data')
    // Booting again finds nothing to grow.
    execFileSync('umount', [mounted])
    expect((await boot()).fs.grown).toBeUndefined()
  })

  it('the phase run alone on a running node grows the mounted filesystem online, or says why the kernel would not', async () => {
    if (!loop) throw new Error('the first test left no loop device')
    const mounted = join(root, 'var/lib/etcd')
    expect(await bd.isMountPoint(mounted)).toBe(true)
    execFileSync('truncate', ['-s', '192M', image])
    execFileSync('losetup', ['-c', loop])
    // The kernel grows a mounted ext4 (EXT4_IOC_RESIZE_FS) only for CAP_SYS_RESOURCE, which root on
    // an instance has and a container may not (this machine's runs lack it): either way is checked.
    const capEff = BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`)
    const sysResource = (capEff >> 24n) & 1n
    if (sysResource === 1n) {
      const online = await boot()
      expect(online.fs.grown).toEqual({fromBytes: 128 * 2 ** 20, toBytes: 192 * 2 ** 20})
      expect(readFileSync(join(mounted, 'member/kept'), 'utf8')).toBe('data')
    } else {
      await expect(boot()).rejects.toThrow(/grow the mounted filesystem .* needs CAP_SYS_RESOURCE/)
      expect(await bd.ext4Bytes(loop)).toBe(128 * 2 ** 20)
      expect(readFileSync(join(mounted, 'member/kept'), 'utf8')).toBe('data')
    }
    execFileSync('umount', [mounted])
    // The filesystem is sound after it all.
    execFileSync('e2fsck', ['-f', '-n', loop], {stdio: 'ignore'})
  })
})
