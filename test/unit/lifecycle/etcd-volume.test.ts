/**
 * The boot's etcd volume, the parts that need no cloud and no root: the device name udev gives a
 * Nitro EBS volume, the mount unit the kubelet requires, the unit growing the filesystem at boot, a join setting found data aside, and the
 * phase running only on an instance kforge provisioned.
 */
import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {
  growUnit,
  growUnitName,
  mountUnit,
  mountUnitName,
  nvmeByIdPath,
} from '../../../src/lifecycle/block-device.js'
import {setAsideEtcdData} from '../../../src/lifecycle/etcd-volume.js'
import {etcdVolumePhase} from '../../../src/phases/etcd-volume.js'
import {silentLogger} from '../../../src/util/logger.js'
import {tempDir} from '../../support/cli.js'

const exec = promisify(execFile)

describe('etcd volume on the instance', () => {
  it('finds a Nitro volume by its id without the dash', () => {
    expect(nvmeByIdPath('vol-0123456789abcdef0')).toBe(
      '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0',
    )
  })

  it('mounts by filesystem UUID before the kubelet, which requires it', () => {
    expect(mountUnitName('/var/lib/etcd')).toBe('var-lib-etcd.mount')
    const unit = mountUnit({where: '/var/lib/etcd', uuid: 'u-1', type: 'ext4', volumeId: 'vol-1'})
    expect(unit).toContain('What=/dev/disk/by-uuid/u-1\n')
    expect(unit).toContain('Where=/var/lib/etcd\n')
    expect(unit).toContain('Before=kubelet.service\n')
    expect(unit).toContain('RequiredBy=kubelet.service\n')
  })

  it('grows the filesystem at every boot: after the mount, before the kubelet, which wants it (systemd-analyze verify)', async () => {
    expect(growUnitName('/var/lib/etcd')).toBe('kforge-growfs-var-lib-etcd.service')
    const unit = growUnit({where: '/var/lib/etcd', uuid: 'u-1', volumeId: 'vol-1'})
    expect(unit).toContain('Requires=var-lib-etcd.mount\nAfter=var-lib-etcd.mount\nBefore=kubelet.service\n')
    expect(unit).toContain('ExecStart=/sbin/resize2fs /dev/disk/by-uuid/u-1\n')
    // Wanted, not required: etcd starts on the old size if growing fails.
    expect(unit).toContain('WantedBy=kubelet.service\n')
    expect(unit).not.toContain('RequiredBy=')
    const dir = tempDir('kforge-growfs-verify-')
    writeFileSync(
      join(dir, 'var-lib-etcd.mount'),
      mountUnit({where: '/var/lib/etcd', uuid: 'u-1', type: 'ext4', volumeId: 'vol-1'}),
    )
    writeFileSync(join(dir, growUnitName('/var/lib/etcd')), unit)
    const output = await exec('systemd-analyze', [
      'verify',
      '--man=no',
      join(dir, growUnitName('/var/lib/etcd')),
    ]).then(
      (r) => `${r.stdout}${r.stderr}`,
      (err: {stdout?: string; stderr?: string}) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
    )
    expect(
      output.split('\n').filter((l) => l.trim() !== ''),
      output,
    ).toEqual([])
  })

  it('etcd data a join cannot resume is set aside on the volume, kept', async () => {
    const root = tempDir('kforge-etcd-aside-')
    mkdirSync(join(root, 'var/lib/etcd/member/wal'), {recursive: true})
    writeFileSync(join(root, 'var/lib/etcd/member/wal/0.wal'), 'x')
    const aside = await setAsideEtcdData(
      root,
      '/var/lib/etcd',
      silentLogger,
      new Date('2026-12-02T06:00:00Z'),
    )
    expect(existsSync(join(root, 'var/lib/etcd/member'))).toBe(false)
    expect(readdirSync(join(root, 'var/lib/etcd'))).toEqual(['member.set-aside-2026-12-02T06-00-00-000Z'])
    expect(existsSync(join(aside, 'wal/0.wal'))).toBe(true)
  })

  it('runs only on an instance kforge provisioned (its NodeBootstrap document), with a data dir', async () => {
    const root = tempDir('kforge-etcd-phase-')
    const access = {imds: {get: async () => undefined}, ec2: async () => Promise.reject(new Error('no EC2'))}
    const phase = etcdVolumePhase((d: {dataDir?: string}) => ({
      rootDir: root,
      dataDir: d.dataDir,
      access,
      mounted: () => {},
    }))
    const ctx = {dryRun: false, logger: silentLogger}
    expect(await phase.runIf!({dataDir: '/var/lib/etcd'}, ctx)).toBe(false)
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(join(root, 'etc/kforge/node.yaml'), 'kind: NodeBootstrap\n')
    expect(await phase.runIf!({dataDir: '/var/lib/etcd'}, ctx)).toBe(true)
    expect(await phase.runIf!({}, ctx)).toBe(false)
  })
})
