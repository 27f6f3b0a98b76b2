/**
 * Stand-in assets for checking a spec before any key exists (`kforge validate -f`): ciphertexts
 * and certificates of realistic size made of incompressible bytes, so the size check sees what a
 * real render would, without KMS or the state store. Never used for an instance.
 */
import {createHash} from 'node:crypto'
import type {Cluster} from '../api/v1alpha1/types.js'
import {ASSET_CATALOG} from '../assets/catalog.js'
import type {ClusterAssets} from './types.js'

/** Plaintext sizes: an RSA-2048 PKCS#8 PEM key, a CA certificate PEM, a token. */
const KEY_BYTES = 1704
const CERT_BYTES = 1120
const TOKEN_BYTES = 23
const PUBKEY_BYTES = 451
/** What KMS adds to a plaintext (header, key id, IV, tag). */
const KMS_OVERHEAD = 184

function pseudoRandom(seed: string, length: number): Buffer {
  const chunks: Buffer[] = []
  let block = createHash('sha256').update(seed).digest()
  for (let total = 0; total < length; total += block.length) {
    chunks.push(block)
    block = createHash('sha256').update(block).digest()
  }
  return Buffer.concat(chunks).subarray(0, length)
}

function fakePem(seed: string, label: string, bytes: number): string {
  const body = pseudoRandom(seed, Math.floor((bytes * 3) / 4) - 40)
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
  return `-----BEGIN ${label}-----\n${body.trimEnd()}\n-----END ${label}-----\n`
}

export function placeholderAssets(
  cluster: Cluster,
  options: {stateStore?: string; stateStoreRegion?: string} = {},
): ClusterAssets {
  const keyId = `arn:aws:kms:${cluster.spec.cloud.aws.region}:000000000000:key/00000000-0000-0000-0000-000000000000`
  const encrypted = ASSET_CATALOG.filter((a) => a.secret).map((a) => ({
    name: a.name,
    path: a.path,
    mode: a.mode,
    roles: a.roles,
    ciphertext: {
      scheme: 'kms' as const,
      keyId,
      blob: pseudoRandom(
        a.name,
        (a.name === 'bootstrap-token' ? TOKEN_BYTES : KEY_BYTES) + KMS_OVERHEAD,
      ).toString('base64'),
    },
  }))
  const pub = ASSET_CATALOG.filter((a) => !a.secret).map((a) => ({
    name: a.name,
    path: a.path,
    mode: a.mode,
    roles: a.roles,
    content: a.name.endsWith('.pub')
      ? fakePem(a.name, 'PUBLIC KEY', PUBKEY_BYTES)
      : fakePem(a.name, 'CERTIFICATE', CERT_BYTES),
  }))
  const stateStore = options.stateStore ?? 's3://kforge-state-placeholder'
  return {
    kmsKeyId: keyId,
    encrypted,
    public: pub,
    caPin: `sha256:${'0'.repeat(64)}`,
    apiEndpoint: `${cluster.spec.api.dnsName}:${cluster.spec.api.port}`,
    stateStore,
    ...(options.stateStoreRegion ? {stateStoreRegion: options.stateStoreRegion} : {}),
    nodeAgent: {url: 's3://kforge-state-placeholder/node-agent/kforge.mjs', sha256: '0'.repeat(64)},
  }
}
