/**
 * `kforge etcd restore` on real etcd and etcdutl from the Kubernetes assets: keys deleted after a
 * snapshot come back from it, the restored member belongs to a new cluster, revisions only move
 * forward, and a corrupt snapshot is refused by name before anything on disk changes.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {storeBackup} from '../../src/lifecycle/etcd-backups.js'
import {BUMP_REVISION} from '../../src/lifecycle/etcd-restore.js'
import {type EtcdSnapshot, takeSnapshot} from '../../src/lifecycle/etcd-snapshot.js'
import {writeRestoreRequest} from '../../src/lifecycle/restore-request.js'
import {openStateStore} from '../../src/state/store.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'
import {EtcdCluster, kubeAssetsBinary, type Member} from '../support/etcd.js'

const PREFIX = '/registry/configmaps/default/'
const CLUSTER = 'restore.example.com'

describe('kforge etcd restore', () => {
  const etcd = new EtcdCluster(tempDir('kforge-etcd-restore-'))
  const etcdutl = kubeAssetsBinary('etcdutl')
  let source: Member
  let originalClusterId: string
  let snapshot: EtcdSnapshot
  let snapshotFile: string

  beforeAll(async () => {
    const members = await etcd.startNew(['s1', 's2', 's3'])
    source = members[0]!
    for (let i = 0; i < 10; i++) await EtcdCluster.put(members[i % 3]!, `${PREFIX}cm-${i}`, `value-${i}`)
    originalClusterId = await EtcdCluster.clusterId(source)
    snapshot = await takeSnapshot(source.clientUrl)
    snapshotFile = join(tempDir('kforge-snapshot-'), 'etcd.db')
    writeFileSync(snapshotFile, snapshot.bytes)
    // What the snapshot must bring back: gone from the live cluster.
    await EtcdCluster.deletePrefix(source, PREFIX)
    expect(await EtcdCluster.keys(source, PREFIX)).toEqual([])
  }, 60_000)

  afterAll(() => etcd.stopAll())

  /** `etcd restore` of `snapshot` into `dataDir` for a member that is never started. */
  const restoreArgs = (snapshot: string, dataDir: string) => [
    'etcd',
    'restore',
    '--snapshot',
    snapshot,
    '--name',
    'x',
    '--initial-advertise-peer-urls',
    'http://127.0.0.1:2380',
    '--data-dir',
    dataDir,
    '--etcdutl',
    etcdutl,
  ]

  /** Restore into a new member's data dir with the CLI, then start etcd on it. */
  async function restoreAndStart(name: string, extra: string[], env?: Record<string, string>) {
    const m = await etcd.define(name)
    const run = await runKforge(
      [
        'etcd',
        'restore',
        ...extra,
        '--name',
        m.name,
        '--initial-advertise-peer-urls',
        m.peerUrl,
        '--data-dir',
        m.dataDir,
        '--etcdutl',
        etcdutl,
        '-o',
        'json',
      ],
      env ? {env} : {},
    )
    expect(run.code, run.stderr).toBe(0)
    etcd.start(m, [m], 'new')
    await etcd.healthy(m)
    return {m, result: JSON.parse(run.stdout) as {clusterToken: string; dataDir: string}}
  }

  it('brings deleted keys back from a snapshot file, as a member of a new cluster, revisions bumped', async () => {
    const {m, result} = await restoreAndStart('r1', ['--snapshot', snapshotFile])
    expect(await EtcdCluster.keys(m, PREFIX)).toEqual(
      Array.from({length: 10}, (_, i) => `${PREFIX}cm-${i}`).sort(),
    )
    expect(await EtcdCluster.get(m, `${PREFIX}cm-7`)).toBe('value-7')
    const restoredClusterId = await EtcdCluster.clusterId(m)
    expect(restoredClusterId).not.toBe(originalClusterId)
    expect(result.clusterToken).toMatch(/^kforge-restore-/)
    // One member only: the others join it, never the lost cluster.
    expect([...(await EtcdCluster.memberIds(m)).keys()]).toEqual([m.peerUrl])
    // Kubernetes resource versions never go backwards: a write lands far past the snapshot's revision.
    const put = (await EtcdCluster.put(m, `${PREFIX}after`, 'x')) as {header?: {revision?: string}}
    expect(Number(put.header?.revision)).toBeGreaterThan(snapshot.revision + BUMP_REVISION)
    await etcd.stop(m)
  }, 60_000)

  /** The snapshot, stored as `backup cluster` stores it: in a local state store, sealed by a fresh KMS key. */
  async function storedBackup(prefix: string) {
    const env = emulatorEnv()
    Object.assign(process.env, env)
    const kms = new KMSClient({})
    const keyId = (await kms.send(new CreateKeyCommand({Description: prefix}))).KeyMetadata!.KeyId!
    const state = tempDir(prefix)
    const store = await openStateStore(state)
    return {env, state, store, info: await storeBackup(store, kms, {cluster: CLUSTER, keyId}, snapshot)}
  }

  it('restores the backup a restore request names, from the state store, with its cluster token', async () => {
    const {env, state, store, info} = await storedBackup('kforge-restore-store-')
    await writeRestoreRequest(store, CLUSTER, {
      backup: info.id,
      clusterToken: 'kforge-restore-test-0001',
      requestedAt: new Date().toISOString(),
    })
    const {m, result} = await restoreAndStart(
      'r2',
      ['--state', state, '--cluster', CLUSTER, '--region', 'us-east-1'],
      env,
    )
    expect(result.clusterToken).toBe('kforge-restore-test-0001')
    expect(await EtcdCluster.get(m, `${PREFIX}cm-3`)).toBe('value-3')
    expect(await EtcdCluster.clusterId(m)).not.toBe(originalClusterId)
    await etcd.stop(m)
  }, 60_000)

  it('a boot whose init claim wins a requested restore restores there, and tells kforge init what to ignore', async () => {
    const {env, state, store, info} = await storedBackup('kforge-claim-store-')
    // The lost cluster's init record says it was initialised; the request starts a new claim.
    await store.write(
      `${CLUSTER}/control-plane/init.json`,
      '{"holder":"i-0lost","claimedAt":"2026-12-01T00:00:00Z","completedAt":"2026-12-01T00:05:00Z"}\n',
    )
    await writeRestoreRequest(store, CLUSTER, {
      backup: info.id,
      clusterToken: 'kforge-restore-claim-0001',
      requestedAt: new Date().toISOString(),
    })
    const node = tempDir('kforge-claim-node-')
    const dataDir = join(node, 'var', 'lib', 'etcd')
    // Data a member of the lost cluster left on the volume: kept aside, not deleted.
    mkdirSync(join(dataDir, 'member'), {recursive: true})
    const config = join(node, 'kubeadm.yaml')
    writeFileSync(
      config,
      [
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: InitConfiguration',
        'localAPIEndpoint: {advertiseAddress: 127.0.0.1}',
        'nodeRegistration: {name: cp-restored}',
        '---',
        'apiVersion: kubeadm.k8s.io/v1beta4',
        'kind: ClusterConfiguration',
        `etcd: {local: {dataDir: ${dataDir}}}`,
        '',
      ].join('\n'),
    )
    const claim = (instance: string, ...more: string[]) =>
      runKforge(
        [
          'init',
          'claim',
          '--state',
          state,
          '--cluster',
          CLUSTER,
          '--region',
          'us-east-1',
          '--instance-id',
          instance,
          '--config',
          config,
          '--etcdutl',
          etcdutl,
          ...more,
        ],
        {env},
      )
    const won = await claim('i-0restorer')
    expect(won.code, won.stderr).toBe(0)
    expect(won.stdout).toBe(`init --ignore-preflight-errors DirAvailable-${dataDir.replaceAll('/', '-')}\n`)
    expect(readdirSync(dataDir).filter((f) => f.startsWith('member.before-restore-'))).toHaveLength(1)

    const m = await etcd.define('cp-restored')
    m.dataDir = dataDir
    etcd.start(m, [m], 'new')
    await etcd.healthy(m)
    expect(await EtcdCluster.get(m, `${PREFIX}cm-3`)).toBe('value-3')
    expect(await EtcdCluster.clusterId(m)).not.toBe(originalClusterId)
    await etcd.stop(m)

    expect((await claim('i-0restorer', '--completed')).code).toBe(0)
    const next = await claim('i-0next')
    expect(next.stdout).toBe('join\n')
    expect(next.stderr).toContain(`restored from backup ${info.id} by i-0restorer`)
  }, 60_000)

  it('refuses a corrupt snapshot by name and leaves the data dir as it was', async () => {
    const corrupt = join(tempDir('kforge-corrupt-'), 'corrupt.db')
    const bytes = Buffer.from(snapshot.bytes)
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff
    writeFileSync(corrupt, bytes)
    const dataDir = join(tempDir('kforge-corrupt-data-'), 'etcd')
    const run = await runKforge(restoreArgs(corrupt, dataDir))
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(`etcd snapshot from ${corrupt}: the SHA-256 at its end does not match`)
    expect(existsSync(dataDir)).toBe(false)
  })

  it('refuses to hide a member that has data, and with --replace-existing moves it aside', async () => {
    const dataDir = join(tempDir('kforge-existing-'), 'etcd')
    mkdirSync(join(dataDir, 'member'), {recursive: true})
    writeFileSync(join(dataDir, 'member', 'old'), 'old data')
    const args = restoreArgs(snapshotFile, dataDir)
    const refused = await runKforge(args)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(`${join(dataDir, 'member')} exists`)
    expect(readdirSync(dataDir)).toEqual(['member'])

    const replaced = await runKforge([...args, '--replace-existing'])
    expect(replaced.code, replaced.stderr).toBe(0)
    const aside = readdirSync(dataDir).filter((f) => f.startsWith('member.before-restore-'))
    expect(aside).toHaveLength(1)
    expect(readFileSync(join(dataDir, aside[0]!, 'old'), 'utf8')).toBe('old data')
    expect(readdirSync(join(dataDir, 'member')).sort()).toEqual(['snap', 'wal'])
  })
})
