/**
 * The "done when" for assets, end to end against the emulator's KMS and S3: real PKI
 * material is sealed for the control-plane role and bundled in the state store, a 3-zone HA private
 * cluster with a bastion is rendered, no rendered byte holds a secret (sealed or not), every
 * user-data fits, and fetching and opening what instances reference gives back exactly the
 * originals.
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {ASSET_CATALOG} from '../../../src/assets/catalog.js'
import {decryptAssets, readManifest} from '../../../src/assets/decrypt.js'
import {type ClusterMaterial, defaultKmsKey, prepareClusterAssets} from '../../../src/assets/prepare.js'
import {AwsClients} from '../../../src/cloud/aws/clients.js'
import {renderClusterUserData} from '../../../src/render/render.js'
import {type ClusterAssets, type RenderedUserData, USER_DATA_LIMIT} from '../../../src/render/types.js'
import {validateRendered} from '../../../src/render/validate.js'
import {S3StateStore} from '../../../src/state/s3.js'
import {emulatorStateStore} from '../../fixtures/cloud/state.js'
import {cloudInitSchema} from '../../fixtures/render/cloud-init.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'
import {clusterMaterial, createKmsKey, emulatorKms} from '../../fixtures/render/material.js'
import {tempDir} from '../../support/cli.js'

process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'

const cluster = haPrivateCluster('assets.example.com')
const nodeAgent = {
  url: 's3://kforge-assets-test/state/assets.example.com/assets/node-agent/kforge.mjs',
  sha256: 'a'.repeat(64),
}
let material: ClusterMaterial
let assets: ClusterAssets
let rendered: RenderedUserData[]
let keyArn: string
const dir = tempDir('kforge-assets-')
let store: S3StateStore
let aws: AwsClients

async function prepare(): Promise<ClusterAssets> {
  return prepareClusterAssets({cluster, material, store, aws, nodeAgent, publish: true})
}

/** Everything an instance or a reviewer ever sees for a group. */
function everything(r: RenderedUserData): string {
  const userData = r.delivery === 'gzip' ? gunzipSync(r.userData).toString() : r.userData.toString()
  return [r.cloudConfig, userData, r.userDataBase64, r.publish?.body ?? ''].join('\n')
}

beforeAll(async () => {
  const {inject} = await import('vitest')
  aws = new AwsClients({endpoint: inject('awsEndpoint'), region: 'us-east-1'})
  store = S3StateStore.fromUrl(await emulatorStateStore('us-east-1', 'kforge-assets-test'), {
    endpoint: inject('awsEndpoint'),
    region: 'us-east-1',
  })
  material = clusterMaterial()
  keyArn = await createKmsKey(defaultKmsKey(cluster.name))
  assets = await prepare()
  rendered = renderClusterUserData(cluster, assets)
}, 60_000)

describe('a 3-zone HA private cluster with a bastion, with real secrets', () => {
  it('seals with the cluster key, resolved from kforge alias to its ARN; bundles for the control plane only', async () => {
    expect(assets.kmsKeyId).toBe(keyArn)
    expect(Object.keys(assets.bundles)).toEqual(['control-plane'])
    const ref = assets.bundles['control-plane']!
    expect(ref.key).toBe(`${cluster.name}/secrets/control-plane/${ref.sha256}.json`)
    const bundle = JSON.parse((await store.read(ref.key))!.toString()) as {
      files: Array<{name: string; ciphertext?: {keyId: string}; content?: string}>
    }
    expect(bundle.files.map((f) => f.name).sort()).toEqual(ASSET_CATALOG.map((a) => a.name).sort())
    for (const f of bundle.files) {
      const secret = ASSET_CATALOG.find((a) => a.name === f.name)!.secret
      expect(f.ciphertext !== undefined, f.name).toBe(secret)
      if (f.ciphertext) expect(f.ciphertext.keyId).toBe(keyArn)
    }
  })

  it('puts no file in user-data: no PEM block, no ciphertext, no key line, only the bundle reference', () => {
    const secrets = ASSET_CATALOG.map((a) => material[a.name]!.toString())
    const keyBodies = secrets.flatMap((s) => s.split('\n').filter((line) => line.length >= 40))
    for (const r of rendered) {
      const seen = everything(r)
      expect(seen, r.group).not.toContain('-----BEGIN')
      expect(seen, r.group).not.toContain('"ciphertext"')
      // KMS ciphertexts and DER bytes are base64 of random bytes: long runs mixing both cases and
      // digits (the user-data's own base64 form aside).
      expect(seen.replace(r.userDataBase64, ''), r.group).not.toMatch(
        /(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[0-9])[A-Za-z0-9+/]{40,}/,
      )
      expect(seen, r.group).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/)
      for (const line of keyBodies) expect(seen.includes(line), r.group).toBe(false)
    }
  })

  it('keeps every user-data under 16 KB and every document valid for cloud-init', async () => {
    for (const r of rendered) {
      expect(r.userData.length, r.group).toBeLessThan(USER_DATA_LIMIT)
      expect(validateRendered(r), r.group).toEqual([])
      const check = await cloudInitSchema(r.cloudConfig)
      expect(check.ok, `${r.group}: ${check.output}`).toBe(true)
      if (r.delivery === 'stub') expect((await cloudInitSchema(r.userData.toString())).ok).toBe(true)
    }
  }, 60_000)

  it('renders the same bytes on a second run (ciphertexts come from the cache)', async () => {
    const again = renderClusterUserData(cluster, await prepare())
    expect(again.map((r) => r.sha256)).toEqual(rendered.map((r) => r.sha256))
  })

  it('fetches from S3 and decrypts with KMS exactly the original files, secrets 0600', async () => {
    for (const r of rendered.filter((x) => x.template !== 'bastion')) {
      const files = (parse(r.cloudConfig) as {write_files: Array<{path: string; content: string}>})
        .write_files
      const manifestFile = join(dir, `${r.group}.assets.json`)
      writeFileSync(manifestFile, files.find((f) => f.path === '/etc/kforge/assets.json')!.content)
      const root = join(dir, 'root', r.group)
      mkdirSync(root, {recursive: true})
      const written = await decryptAssets(
        await readManifest(manifestFile),
        {kms: emulatorKms(), s3: await aws.s3()},
        root,
      )
      const expected = ASSET_CATALOG.filter((a) =>
        a.roles.includes(r.template === 'node' ? 'node' : 'control-plane'),
      )
      expect(written.sort()).toEqual(expected.map((a) => a.path).sort())
      for (const a of expected) {
        const file = join(root, a.path)
        expect(readFileSync(file).equals(material[a.name]!), `${r.group} ${a.name}`).toBe(true)
        expect(statSync(file).mode & 0o777).toBe(a.secret ? 0o600 : 0o644)
      }
    }
  })

  it('pins the CA in every joining config', () => {
    const spki = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], {
      input: execFileSync('openssl', ['x509', '-pubkey', '-noout'], {input: material['ca.crt']}),
    })
    expect(assets.caPin).toBe(`sha256:${createHash('sha256').update(spki).digest('hex')}`)
    const node = rendered.find((r) => r.group === 'nodes')!
    expect(node.cloudConfig).toContain(assets.caPin)
  })
})
