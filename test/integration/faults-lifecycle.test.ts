/**
 * The demo's lifecycle against AWS as it behaves, not as the emulator answers: create --yes, a
 * no-op update, scale, upgrade --cloudonly, rolling-update --cloudonly and delete, each passing
 * the first time through the fault proxy at 15% lost answers, 20% burst throttling (each
 * service's own error), 1% answers later than the client's timeout, 10 s read-after-write lag,
 * NAT gateways 60 s and load balancers 90 s pending, and instances 30 s pending. Twice, with two
 * seeds. After every step the whole account is counted, tagged or not: exactly one of each
 * resource the model wants while the cluster lives, nothing after delete.
 *
 * Time: the lag is real (10 s); the pending times are compressed tenfold (6 s, 9 s, 3 s), and
 * kforge polls every 200 ms instead of 2 s (KFORGE_POLL_MS), which changes how often it looks,
 * not what it must wait for. Its request timeout is 3 s (KFORGE_AWS_REQUEST_TIMEOUT_MS) so a
 * late answer (held 3.5 s) costs seconds, not the default 30.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {DEFAULT_KUBERNETES_VERSION, formatVersion, parseVersion} from '../../src/api/versions.js'
import {buildModel} from '../../src/cloud/aws/build/index.js'
import {type Census, census} from '../fixtures/cloud/census.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {runKforge, tempDir} from '../support/cli.js'
import {type Fault, type FaultProxy, startFaultProxy} from '../support/fault-proxy.js'
import {type MotoServer, startMoto} from '../support/moto.js'

const region = 'us-west-2'
const COMPRESS = 0.1

/** What the model wants, by kind, plus the instances its groups run. */
function expected(cluster: Cluster): Census {
  const images = new Map(
    cluster.instanceGroups.map((g) => [g.name, {id: 'ami-0', rootDeviceName: '/dev/sda1'}]),
  )
  const model = buildModel(cluster, {images, userData: () => ''})
  const out: Census = {}
  for (const r of model.resources) if (!r.external) out[r.kind] = (out[r.kind] ?? 0) + 1
  out.Instance = cluster.instanceGroups.reduce((n, g) => n + g.spec.minSize, 0)
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)))
}

const sorted = (c: Census): Census =>
  Object.fromEntries(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)))

let moto: MotoServer
beforeAll(async () => {
  // An account of its own: "everything in the account" must mean this test's lifecycle only.
  moto = await startMoto()
  await new S3Client({
    region,
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
  }).send(
    new CreateBucketCommand({
      Bucket: 'kforge-realism',
      CreateBucketConfiguration: {LocationConstraint: region},
    }),
  )
}, 120_000)
afterAll(async () => {
  await moto?.stop()
})

describe.each([11, 29])(
  'the demo lifecycle first time through realistic AWS (seed %i)',
  {timeout: 900_000},
  (seed) => {
    const name = `seed${seed}.realism.example.com`
    const dir = tempDir('kforge-realism-')
    const faults: Fault[] = []
    let proxy: FaultProxy
    let env: Record<string, string>
    const cluster = haPrivateCluster(name, region)
    const file = join(dir, 'cluster.yaml')

    beforeAll(async () => {
      proxy = await startFaultProxy({
        target: moto.endpoint,
        seed,
        lostResponseRate: 0.15,
        burstThrottleRate: 0.2,
        slowResponseRate: 0.01,
        slowResponseMs: 3500,
        readAfterWriteLagMs: 10_000,
        natGatewayPendingMs: 60_000 * COMPRESS,
        loadBalancerProvisioningMs: 90_000 * COMPRESS,
        instancePendingMs: 30_000 * COMPRESS,
        log: (f) => faults.push(f),
      })
      env = {
        AWS_ENDPOINT_URL: proxy.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: region,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        KFORGE_STATE_STORE: 's3://kforge-realism/kforge',
        HOME: dir,
        KUBECONFIG: join(dir, 'kubeconfig'),
        KFORGE_POLL_MS: '200',
        KFORGE_DELETE_BACKOFF_MS: '200',
        KFORGE_AWS_REQUEST_TIMEOUT_MS: '3000',
      }
    })
    afterAll(async () => {
      writeFileSync(join(dir, 'faults.json'), JSON.stringify(faults, null, 1))
      process.stdout.write(`seed ${seed}: ${proxy.summary()} (each fault in ${join(dir, 'faults.json')})\n`)
      await proxy.close()
    })

    const kforge = async (...args: string[]) => {
      const r = await runKforge(args, {env})
      expect(r.code, `kforge ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0)
      return r
    }
    const counted = async () => sorted(await census(moto.endpoint, region))

    it('create --yes makes exactly one of each resource', async () => {
      writeFileSync(file, renderSpec(cluster))
      await kforge('create', '-f', file, '--yes')
      expect(await counted()).toEqual(expected(cluster))
    })

    it('a second update finds nothing to do', async () => {
      const r = await kforge('update', 'cluster', name, '--yes')
      expect(r.stdout).toMatch(/^No changes/)
      expect(await counted()).toEqual(expected(cluster))
    })

    it('scales the nodes', async () => {
      const nodes = cluster.instanceGroups.find((g) => g.name === 'nodes')!
      nodes.spec.minSize += 2
      nodes.spec.maxSize += 2
      writeFileSync(file, renderSpec(cluster))
      await kforge('replace', '-f', file)
      await kforge('update', 'cluster', name, '--yes')
      expect(await counted()).toEqual(expected(cluster))
    })

    it('upgrades one patch version, cloud only', async () => {
      const v = parseVersion(DEFAULT_KUBERNETES_VERSION)!
      const next = formatVersion({...v, patch: v.patch + 1})
      await kforge('upgrade', 'cluster', name, '--kubernetes-version', next, '--cloudonly', '--yes')
      cluster.spec.kubernetesVersion = next
      expect(await counted()).toEqual(expected(cluster))
    })

    it('rolling-update --cloudonly leaves the cluster whole', async () => {
      await kforge('rolling-update', 'cluster', name, '--cloudonly', '--yes')
      expect(await counted()).toEqual(expected(cluster))
    })

    it('delete leaves nothing in the account, and every kind of fault was met on the way', async () => {
      await kforge('delete', 'cluster', name, '--yes')
      expect(await counted()).toEqual({})
      expect(proxy.stats.lost).toBeGreaterThan(20)
      expect(proxy.stats.throttled).toBeGreaterThan(20)
      expect(proxy.stats.lagged).toBeGreaterThan(0)
      expect(proxy.stats.pending).toBeGreaterThan(0)
    })
  },
)
