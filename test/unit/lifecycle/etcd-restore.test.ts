/** Which etcdutl a restore runs, and how: the host's, or the etcd image's through containerd. */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {chooseEtcdutl} from '../../../src/cli/etcd-restore.js'
import {etcdutlCommand, restoreClusterToken} from '../../../src/lifecycle/etcd-restore.js'
import {tempDir} from '../../support/cli.js'

const image = {image: 'registry.k8s.io/etcd:3.7.0-0', containerdAddress: '/run/containerd/containerd.sock'}
const member = {
  name: 'cp-1',
  peerUrl: 'https://10.0.1.5:2380',
  dataDir: '/var/lib/etcd',
  configDataDir: '/var/lib/etcd',
  image,
}

describe('etcdutl for a restore', () => {
  it('takes --etcdutl, else etcdutl on PATH, else the etcd image of the kubeadm config', () => {
    const bin = tempDir('kforge-path-')
    expect(chooseEtcdutl('/opt/etcdutl', member, bin)).toBe('/opt/etcdutl')
    expect(chooseEtcdutl(undefined, member, bin)).toEqual(image)
    writeFileSync(join(bin, 'etcdutl'), '')
    expect(chooseEtcdutl(undefined, member, `/nonexistent:${bin}`)).toBe('etcdutl')
    const {image: _, ...flagsOnly} = member
    expect(chooseEtcdutl(undefined, flagsOnly, '/nonexistent')).toBe('etcdutl')
  })

  it('runs the image’s etcdutl with ctr, the work directory mounted at its own path', () => {
    const work = join(tempDir('kforge-work-'), '.kforge-restore-1')
    mkdirSync(work)
    const argv = etcdutlCommand(image, work, ['snapshot', 'restore', `${work}/snapshot.db`])
    expect(argv.slice(0, 7)).toEqual([
      'ctr',
      '--address=/run/containerd/containerd.sock',
      '--namespace=k8s.io',
      'run',
      '--rm',
      '--mount',
      `type=bind,src=${work},dst=${work},options=rbind:rw`,
    ])
    expect(argv[7]).toBe(image.image)
    expect(argv[8]).toMatch(/^kforge-etcd-restore-[0-9a-f]{8}$/)
    expect(argv.slice(9)).toEqual(['/usr/local/bin/etcdutl', 'snapshot', 'restore', `${work}/snapshot.db`])
    expect(etcdutlCommand('/usr/bin/etcdutl', work, ['version'])).toEqual(['/usr/bin/etcdutl', 'version'])
  })

  it('makes a new cluster token each time, naming what it restores', () => {
    const a = restoreClusterToken('backup 20261202T001500Z-r1234')
    expect(a).toMatch(/^kforge-restore-backup-20261202T001500Z-r1234-[0-9a-f]{8}$/)
    expect(restoreClusterToken('backup 20261202T001500Z-r1234')).not.toBe(a)
  })
})
