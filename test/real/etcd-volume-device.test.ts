/**
 * The boot's device half on a real block device (a loop device standing in for the attached EBS
 * volume, linked under a root dir by the name udev gives a Nitro volume): found by volume id,
 * formatted only when blank, mounted with lost+found gone and mode 0700; a second boot finds the
 * data and does not format again. Needs root (losetup, mkfs, mount).
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
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
      const fs = await bd.formatIfBlank(device, silentLogger)
      await bd.mountVolume({
        rootDir: root,
        where: '/var/lib/etcd',
        device,
        volumeId: VOLUME,
        probe: fs,
        how: 'direct',
        logger: silentLogger,
      })
      if (fs.formatted) await bd.clearFreshFilesystem(join(root, 'var/lib/etcd'))
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
    expect(readdirSync(join(root, 'var/lib/etcd/member'))).toEqual(['kept'])
    execFileSync('umount', [join(root, 'var/lib/etcd')])
  })
})
