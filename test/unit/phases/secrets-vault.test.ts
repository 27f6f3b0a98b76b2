/**
 * Secrets at rest in an S3 state store: `ca.key`, `sa.key`, the etcd CA key and the bootstrap
 * token were stored under the account's default `aws/s3` key, which anyone with s3:GetObject reads
 * through. Under the cluster's own KMS key, reading one also takes kms:Decrypt on that key.
 */

import {CreateKeyCommand, KMSClient} from '@aws-sdk/client-kms'
import {HeadObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {clusterFromOptions} from '../../../src/api/v1alpha1/flags.js'
import {ASSET_CATALOG} from '../../../src/assets/catalog.js'
import {materialKey} from '../../../src/assets/material.js'
import {ensureClusterSecrets} from '../../../src/phases/cluster/secrets.js'
import {openStateStore, type StateStore} from '../../../src/state/store.js'
import {emulatorStateStore} from '../../fixtures/cloud/state.js'
import {emulatorEnv} from '../../support/aws-env.js'

const region = 'eu-west-2'
const cluster = clusterFromOptions({name: 'vault.secrets.example.com', zones: [`${region}a`]})
const cfg = () => ({
  region,
  endpoint: inject('awsEndpoint'),
  credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
})
let store: StateStore
let s3: S3Client
let keyArn: string

/** How each catalogue object is encrypted at rest: its KMS key ARN, or '' (none or aws/s3). */
async function atRest(): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const a of ASSET_CATALOG) {
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: 'kforge-secrets-vault',
        Key: `kforge/${materialKey(cluster.name, a.name)}`,
      }),
    )
    out[a.name] = head.ServerSideEncryption === 'aws:kms' ? (head.SSEKMSKeyId ?? 'aws/s3') : ''
  }
  return out
}

beforeAll(async () => {
  Object.assign(process.env, emulatorEnv(region))
  store = await openStateStore(await emulatorStateStore(region, 'kforge-secrets-vault'))
  s3 = new S3Client({...cfg(), forcePathStyle: true})
  keyArn = (await new KMSClient(cfg()).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!
})

describe('secrets in an S3 state store', () => {
  it('are written under the aws/s3 key before the cluster key exists, and re-written under it once it does', async () => {
    await ensureClusterSecrets(store, cluster)
    const before = await atRest()
    for (const a of ASSET_CATALOG.filter((x) => x.secret)) expect(before[a.name], a.name).toBe('aws/s3')

    const sealed = await ensureClusterSecrets(store, cluster, {kmsKeyId: keyArn})
    expect(sealed.report.resealed.sort()).toEqual(['ca.key', 'etcd/ca.key', 'front-proxy-ca.key', 'sa.key'])
    const after = await atRest()
    for (const a of ASSET_CATALOG.filter((x) => x.secret)) expect(after[a.name], a.name).toBe(keyArn)

    // Already under the key: nothing is written again.
    const again = await ensureClusterSecrets(store, cluster, {kmsKeyId: keyArn})
    expect(again.report.resealed).toEqual([])
    expect(again.report.created).toEqual([])
  })

  it('are made under the cluster key when it exists from the start', async () => {
    const other = clusterFromOptions({name: 'fresh.vault.secrets.example.com', zones: [`${region}a`]})
    const made = await ensureClusterSecrets(store, other, {kmsKeyId: keyArn})
    expect(made.report.resealed).toEqual([])
    for (const a of ASSET_CATALOG.filter((x) => x.secret)) {
      expect(await store.encryptionKey!(materialKey(other.name, a.name)), a.name).toBe(keyArn)
    }
  })
})
