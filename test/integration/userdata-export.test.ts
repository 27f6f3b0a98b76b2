/**
 * `kforge export userdata` through the built CLI, against the emulator (S3 state store, KMS):
 * a 3-zone HA private cluster with a bastion, its PKI in the store.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {clusterFromOptions} from '../../src/api/v1alpha1/flags.js'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {ASSET_CATALOG} from '../../src/assets/catalog.js'
import {writeClusterMaterial} from '../../src/assets/material.js'
import {type ClusterMaterial, defaultKmsKey} from '../../src/assets/prepare.js'
import {USER_DATA_LIMIT} from '../../src/render/types.js'
import {saveClusterSpec} from '../../src/state/clusters.js'
import {openStateStore} from '../../src/state/store.js'
import {cloudInitSchema} from '../fixtures/render/cloud-init.js'
import {clusterMaterial, createKmsKey} from '../fixtures/render/material.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

const NAME = 'userdata-export.example.com'
const BUCKET = 'kforge-userdata-export-test'
const STATE = `s3://${BUCKET}/state`
let cluster: Cluster
let material: ClusterMaterial

beforeAll(async () => {
  const endpoint = inject('awsEndpoint')
  const credentials = {accessKeyId: 'testing', secretAccessKey: 'testing'}
  await new S3Client({endpoint, region: 'us-east-1', forcePathStyle: true, credentials}).send(
    new CreateBucketCommand({Bucket: BUCKET}),
  )
  process.env.AWS_ACCESS_KEY_ID = 'testing'
  process.env.AWS_SECRET_ACCESS_KEY = 'testing'
  const store = await openStateStore(STATE, {endpoint, region: 'us-east-1'})
  cluster = clusterFromOptions({
    name: NAME,
    zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    topology: 'private',
    bastion: true,
  })
  await saveClusterSpec(store, cluster)
  material = clusterMaterial()
  await writeClusterMaterial(store, NAME, material)
  await createKmsKey(defaultKmsKey(NAME))
}, 60_000)

const exportTo = (dir: string, extra: string[] = []) =>
  runKforge(['export', 'userdata', NAME, '--out', dir, '--state', STATE, ...extra], {env: emulatorEnv()})

describe('kforge export userdata', () => {
  it('writes each group cloud-config and user-data: valid, under 16 KB, no secret, byte-identical on a rerun', async () => {
    const one = tempDir('kforge-export-')
    const first = await exportTo(one)
    expect(first.code, first.stderr).toBe(0)
    const groups = cluster.instanceGroups.map((g) => g.name)
    expect(readdirSync(one).sort()).toEqual(
      groups.flatMap((g) => [`${g}.cloud-config.yaml`, `${g}.user-data`]).sort(),
    )
    for (const g of groups) expect(first.stdout).toContain(g)

    const secretLines = ASSET_CATALOG.filter((a) => a.secret).flatMap((a) =>
      material[a.name]!.toString()
        .split('\n')
        .filter((l) => l.length >= 40),
    )
    for (const g of groups) {
      const cloudConfig = readFileSync(join(one, `${g}.cloud-config.yaml`), 'utf8')
      const userData = readFileSync(join(one, `${g}.user-data`))
      expect(userData.length, g).toBeLessThanOrEqual(USER_DATA_LIMIT)
      const delivered =
        userData[0] === 0x1f && userData[1] === 0x8b ? gunzipSync(userData).toString() : userData.toString()
      if (!delivered.includes('fetch-config.sh')) expect(delivered, g).toBe(cloudConfig)
      const check = await cloudInitSchema(cloudConfig)
      expect(check.ok, `${g}: ${check.output}`).toBe(true)
      for (const text of [cloudConfig, delivered]) {
        expect(text).not.toContain('-----BEGIN')
        for (const line of secretLines) expect(text.includes(line)).toBe(false)
      }
    }

    const two = tempDir('kforge-export-')
    expect((await exportTo(two)).code).toBe(0)
    for (const f of readdirSync(one))
      expect(readFileSync(join(two, f)).equals(readFileSync(join(one, f))), f).toBe(true)
  }, 180_000)

  it('writes one group with --instance-group, and names the groups for an unknown one', async () => {
    const dir = tempDir('kforge-export-')
    const group = cluster.instanceGroups.find((g) => g.spec.role === 'node')!.name
    const one = await exportTo(dir, ['--instance-group', group])
    expect(one.code, one.stderr).toBe(0)
    expect(readdirSync(dir).sort()).toEqual([`${group}.cloud-config.yaml`, `${group}.user-data`])

    const bad = await exportTo(tempDir('kforge-export-'), ['--instance-group', 'nope'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain(`--instance-group nope: cluster ${NAME} has no such group (groups: `)
  }, 120_000)

  it('says what is missing when the cluster has no PKI in the store', async () => {
    const other = clusterFromOptions({name: 'no-pki.example.com', zones: ['us-east-1a']})
    const store = await openStateStore(STATE, {endpoint: inject('awsEndpoint'), region: 'us-east-1'})
    await saveClusterSpec(store, other)
    const run = await runKforge(['export', 'userdata', other.name, '--out', tempDir(), '--state', STATE], {
      env: emulatorEnv(),
    })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain(
      `cluster no-pki.example.com: the state store ${STATE} has no no-pki.example.com/pki/ca.crt`,
    )
  }, 60_000)
})
