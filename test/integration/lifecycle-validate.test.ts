/**
 * `kforge validate cluster` with the Kubernetes side, through the CLI, against the emulator and
 * the API double: instances without Nodes, a pending system pod and an unreachable API are each
 * named; `--wait` keeps checking until the nodes register and then succeeds; `-o json` carries the
 * same report. And the same validation between the steps of a rolling update: a replacement that
 * never registers stops the roll, saying where; the next run continues from there.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {KubeClient} from '../../src/kube/client.js'
import {Pods} from '../../src/kube/resources.js'
import {backupKey} from '../../src/lifecycle/etcd-backups.js'
import {initRecordKey} from '../../src/lifecycle/init-once.js'
import {saveClusterSpec} from '../../src/state/clusters.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {type KubeApi, kubeconfigYaml} from '../support/kube-api/index.js'
import {freePort} from '../support/moto.js'
import {type LifecycleKube, startLifecycleKube} from './lifecycle-kube.js'
import {cloudSandbox} from './lifecycle-sandbox.js'
import {type CloudInstance, runningInstances} from './lifecycle-support.js'

process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const REGION = 'us-west-1'
const NAME = 'lifecycle-validate.example.com'

describe('validate cluster with the Kubernetes API', () => {
  const {dir, store, aws, kforge, deleteCluster} = cloudSandbox(REGION, 100)
  let k8s: LifecycleKube
  let api: KubeApi
  let client: KubeClient
  let instances: CloudInstance[]

  beforeAll(async () => {
    await saveClusterSpec(store, publicSingleCluster(NAME, REGION))
    expect((await kforge('update', 'cluster', NAME, '--yes')).code).toBe(0)
    instances = await runningInstances(aws, NAME)
    // No kubelets yet: the first checks find instances without Nodes.
    k8s = await startLifecycleKube(aws, NAME, {kubelets: false})
    ;({api, client} = k8s)
  }, 180_000)
  afterAll(async () => {
    await k8s?.close()
    await deleteCluster(NAME)
  }, 180_000)

  it('names every instance without a Node and a pending system pod', async () => {
    await client.create(Pods, {
      metadata: {name: 'coredns-x', namespace: 'kube-system', labels: {'k8s-app': 'kube-dns'}},
      spec: {
        containers: [{name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.14.6'}],
        nodeSelector: {none: 'x'},
      },
    })
    const r = await kforge('validate', 'cluster', NAME, '--kubeconfig', api.adminKubeconfig, '-o', 'json')
    expect(r.code).not.toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.valid).toBe(false)
    expect(report.kubernetes.checked).toBe(true)
    const names = report.failures.map((f: {kind: string; name: string}) => `${f.kind} ${f.name}`)
    for (const i of instances) expect(names).toContain(`instance ${i.id}`)
    expect(names).toContain('pod kube-system/coredns-x')
    expect(report.failures.find((f: {name: string}) => f.name === instances[0]!.id).message).toMatch(
      /no Node registered for it/,
    )
    expect(r.stderr).toContain(`cluster ${NAME} did not validate:`)
    await client.delete(Pods, 'coredns-x', 'kube-system')
  })

  it('an unreachable API is a failure that names the address', async () => {
    const port = await freePort()
    const file = join(dir, 'unreachable.conf')
    writeFileSync(
      file,
      kubeconfigYaml({
        server: `https://127.0.0.1:${port}`,
        caPem: api.ca.certPem,
        token: 'abcdef.0123456789abcdef',
      }),
    )
    const r = await kforge('validate', 'cluster', NAME, '--kubeconfig', file)
    expect(r.code).not.toBe(0)
    expect(r.stdout).toMatch(
      new RegExp(`api\\s+https://127.0.0.1:${port}\\s+cannot reach the Kubernetes API`),
    )
  })

  it('--wait retries until the nodes have registered', async () => {
    const seen = api.cluster.audit.length
    const waiting = kforge('validate', 'cluster', NAME, '--kubeconfig', api.adminKubeconfig, '--wait', '90s')
    // The kubelets come up only after the command has looked once (and found no nodes).
    while (!api.cluster.audit.slice(seen).some((a) => a.path.startsWith('/api/v1/nodes'))) {
      await new Promise((r) => setTimeout(r, 50))
    }
    k8s.startKubelets()
    const r = await waiting
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('is not valid yet')
    expect(r.stdout).toContain(`Your cluster ${NAME} is ready.`)
    for (const i of instances) expect(r.stdout).toContain(i.id)
  })

  it('fails while etcd backups have stopped, and passes once a backup is newer than staleAfter', async () => {
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000)
    await store.write(
      initRecordKey(NAME),
      JSON.stringify({
        holder: 'i-0first',
        claimedAt: hoursAgo(5).toISOString(),
        completedAt: hoursAgo(5).toISOString(),
      }),
    )
    const stale = await kforge('validate', 'cluster', NAME, '--kubeconfig', api.adminKubeconfig, '-o', 'json')
    expect(stale.code).not.toBe(0)
    const failures = (JSON.parse(stale.stdout) as {failures: {kind: string; message: string}[]}).failures
    expect(failures.map((f) => f.kind)).toEqual(['backup'])
    expect(failures[0]!.message).toMatch(
      /^no etcd backup since the cluster was initialised 5h ago .* longer than spec\.etcd\.backups\.staleAfter \(1h\)/,
    )
    // Only the listing is read: the object's name carries the time it was taken.
    const id = `${new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')}-r42`
    await store.write(backupKey(NAME, id), '{}')
    const fresh = await kforge('validate', 'cluster', NAME, '--kubeconfig', api.adminKubeconfig)
    expect(fresh.code).toBe(0)
    await store.delete(backupKey(NAME, id))
    await store.delete(initRecordKey(NAME))
  })

  it('a roll stops where the cluster fails to validate, and a re-run continues from there', async () => {
    // Kubelets stop registering: the surge replacement never gets a Node.
    await k8s.stopKubelets()
    const nodes = instances.filter((i) => i.group === 'nodes').map((i) => i.id)
    const args = ['rolling-update', 'cluster', NAME, '--yes', '--force', '--instance-group', 'nodes']
    const stopped = await kforge(...args, '--kubeconfig', api.adminKubeconfig, '--validate-timeout', '2s')
    expect(stopped.code).not.toBe(0)
    // The roll stops at the instance it detached for the surge, whichever of the two that was.
    const detached = /group nodes: detached (i-\w+) \(surge\)/.exec(stopped.stderr)?.[1]
    expect(nodes).toContain(detached)
    expect(stopped.stderr).toMatch(
      new RegExp(
        `rolling update stopped at ${detached} of group nodes \\(0 of 2 instances replaced\\): the cluster did not validate within 2s`,
      ),
    )
    expect(stopped.stderr).toMatch(/instance i-\w+: group nodes: no Node registered for it/)
    expect(stopped.stderr).toContain('again to continue from there')

    k8s.startKubelets()
    const resumed = await kforge(
      ...args.slice(0, 4),
      '--instance-group',
      'nodes',
      '--kubeconfig',
      api.adminKubeconfig,
    )
    expect(resumed.code).toBe(0)
    // Not forced this time: what is left is the instance detached by the stopped run, and the
    // member still on the group's version is left alone.
    expect(resumed.stdout).toContain('Replaced 1 instances')
    expect(resumed.stdout).toMatch(new RegExp(`nodes\\s+${detached}\\s+detached from`))
    const running = (await runningInstances(aws, NAME)).map((i) => i.id)
    expect(running).not.toContain(detached)
    expect(running).toContain(nodes.find((id) => id !== detached))
    const valid = await kforge('validate', 'cluster', NAME, '--kubeconfig', api.adminKubeconfig)
    expect(valid.code).toBe(0)
  })
})
