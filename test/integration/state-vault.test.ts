/**
 * `create` looks at an S3 state store's bucket before it stores a cluster's CA keys there: a
 * bucket with public access unblocked, no default encryption or no versioning is reported loudly,
 * and `--secure-state-store` fixes all three.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {bucketPosture} from '../../src/state/s3-posture.js'
import {openStateStore} from '../../src/state/store.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

const region = 'eu-central-1'
const bucket = 'kforge-state-vault-plain'
const dir = tempDir('kforge-state-vault-')
let env: Record<string, string>

function spec(name: string): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, renderSpec(publicSingleCluster(name, region)))
  return file
}

beforeAll(async () => {
  env = {...emulatorEnv(region), KFORGE_STATE_STORE: await emulatorStateStore(region, bucket, true)}
  Object.assign(process.env, emulatorEnv(region))
})

describe('create and plan on an S3 state store', () => {
  it('warns loudly about a public, unencrypted, unversioned bucket, and fixes it on request', async () => {
    const plain = await runKforge(['create', '-f', spec('one.state-vault.example.com')], {env})
    expect(plain.code).toBe(0)
    const warnings = plain.stderr.split('\n').filter((l) => l.startsWith('WARNING: state store'))
    expect(warnings).toHaveLength(3)
    expect(plain.stderr).toContain('public access is not blocked')
    expect(plain.stderr).toContain('default encryption is off')
    expect(plain.stderr).toContain('versioning is off')
    expect(plain.stderr).toContain('--secure-state-store')

    const secured = await runKforge(
      ['create', '-f', spec('two.state-vault.example.com'), '--secure-state-store'],
      {
        env,
      },
    )
    expect(secured.code).toBe(0)
    expect(secured.stderr).not.toContain('WARNING')
    for (const done of ['blocked public access', 'set default encryption to SSE-KMS', 'enabled versioning']) {
      expect(secured.stderr).toContain(done)
    }
    const s3 = new S3Client({
      region,
      endpoint: inject('awsEndpoint'),
      forcePathStyle: true,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    expect(await bucketPosture(s3, bucket)).toEqual({
      publicAccessBlocked: true,
      defaultEncryption: 'aws:kms',
      versioning: true,
    })

    const quiet = await runKforge(['create', '-f', spec('three.state-vault.example.com')], {env})
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe('')
  })

  it('update without --yes writes nothing to the state store, and says what applying would', async () => {
    const name = 'plan.state-vault.example.com'
    expect((await runKforge(['create', '-f', spec(name)], {env})).code).toBe(0)
    const store = await openStateStore(env.KFORGE_STATE_STORE!)
    const before = await store.list(`${name}/`)
    expect(before).toEqual([`${name}/config.yaml`])
    const plan = await runKforge(['update', 'cluster', name], {env})
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain('Will create:')
    expect(await store.list(`${name}/`)).toEqual(before)
    // What applying stores there is in the plan, as a resource of the prerequisites phase.
    expect(plan.stdout).toContain(
      `+ StateStoreObjects state-store-objects: CAs, service-account key, their copies sealed for the control plane, node agent and user-data in ${env.KFORGE_STATE_STORE}`,
    )
  })
})
