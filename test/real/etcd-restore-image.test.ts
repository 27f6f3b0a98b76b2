/**
 * `kforge etcd restore --config` as a control-plane boot runs it: no etcdutl on the host, so it
 * runs the one in the etcd image through containerd (`ctr run`), the member named by the same
 * kubeadm config `kforge init` then reads. A private containerd with the assets' images imported.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DEFAULT_KUBERNETES_VERSION, etcdVersionFor} from '../../src/api/versions.js'
import {takeSnapshot} from '../../src/lifecycle/etcd-snapshot.js'
import {runKforge, tempDir} from '../support/cli.js'
import {EtcdCluster} from '../support/etcd.js'
import {requireAssets} from './support.js'

const exec = promisify(execFile)

describe('kforge etcd restore on a node without etcdutl', () => {
  const assets = requireAssets()
  const dir = tempDir('kforge-restore-ctr-')
  const socket = join(dir, 'containerd.sock')
  let containerd: ChildProcess
  const etcd = new EtcdCluster(join(dir, 'etcd'))

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'config.toml'),
      [
        'version = 2',
        `root = "${join(dir, 'root')}"`,
        `state = "${join(dir, 'state')}"`,
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[grpc]',
        `  address = "${socket}"`,
        '',
      ].join('\n'),
    )
    containerd = spawn('containerd', ['--config', join(dir, 'config.toml')], {stdio: 'ignore'})
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100))
    await exec('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', assets.images], {
      maxBuffer: 16 << 20,
    })
  }, 180_000)

  afterAll(async () => {
    await etcd.stopAll()
    containerd?.kill('SIGTERM')
  })

  it('restores from the etcd image the config names, as the member the config names', async () => {
    const source = await etcd.define('source')
    etcd.start(source, [source], 'new')
    await etcd.healthy(source)
    await EtcdCluster.put(source, '/registry/configmaps/default/before', 'kept')
    const snapshotFile = join(dir, 'etcd.db')
    writeFileSync(snapshotFile, (await takeSnapshot(source.clientUrl)).bytes)
    await etcd.stop(source)

    const root = join(dir, 'node')
    mkdirSync(root)
    const config = join(dir, 'kubeadm.yaml')
    writeFileSync(
      config,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 127.0.0.1
nodeRegistration:
  name: restored-cp
  criSocket: unix://${socket}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${DEFAULT_KUBERNETES_VERSION}
`,
    )
    // PATH without the assets' bin: the image is the only etcdutl there is.
    const run = await runKforge(
      ['etcd', 'restore', '--snapshot', snapshotFile, '--config', config, '--root-dir', root, '-o', 'json'],
      {env: {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}},
    )
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout) as {name: string; peerUrl: string; dataDir: string}
    expect(result).toMatchObject({
      name: 'restored-cp',
      peerUrl: 'https://127.0.0.1:2380',
      dataDir: join(root, 'var', 'lib', 'etcd'),
    })
    const listed = await exec('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'ls', '-q'])
    expect(listed.stdout).toContain(`registry.k8s.io/etcd:${etcdVersionFor(DEFAULT_KUBERNETES_VERSION)}`)

    const restored = await etcd.define('restored-cp')
    restored.dataDir = result.dataDir
    etcd.start(restored, [restored], 'new')
    await etcd.healthy(restored)
    expect(await EtcdCluster.get(restored, '/registry/configmaps/default/before')).toBe('kept')
  })
})
