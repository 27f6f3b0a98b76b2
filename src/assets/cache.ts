/**
 * Ciphertexts are cached in the state store, keyed by a hash of the key, the asset and the
 * plaintext: KMS output is randomised, and re-sealing on every run would change the user-data,
 * and so the launch templates, and so replace every instance for nothing.
 */
import {createHash} from 'node:crypto'
import type {KMSClient} from '@aws-sdk/client-kms'
import type {Ciphertext} from '../render/types.js'
import type {StateStore} from '../state/store.js'
import {type SealTarget, seal} from './kms.js'

/**
 * `<cluster>/assets/encrypted/<sha256(key ARN, cluster, asset, role, plaintext)>.json`: the
 * provisioner's own cache, which no instance role may read (instances read the bundle made from it,
 * src/assets/secrets-bundle.ts).
 */
export function cacheKey(target: SealTarget, plaintext: Buffer): string {
  const hash = createHash('sha256')
  for (const part of [target.keyId, target.cluster, target.name, target.role ?? '']) {
    hash.update(part).update('\0')
  }
  hash.update(plaintext)
  return `${target.cluster}/assets/encrypted/${hash.digest('hex')}.json`
}

function parseCached(body: Buffer | undefined): Ciphertext | undefined {
  if (!body) return undefined
  try {
    const value = JSON.parse(body.toString('utf8')) as Ciphertext
    if ((value.scheme === 'kms' || value.scheme === 'envelope') && value.keyId && value.blob) return value
  } catch {
    // a damaged entry is sealed again and overwritten
  }
  return undefined
}

/**
 * The cached ciphertext for this plaintext, or a fresh one (then cached). `target.keyId` must be
 * the key's ARN so that an alias moved to another key does not hit a stale entry.
 */
export async function sealCached(
  store: StateStore,
  kms: KMSClient,
  target: SealTarget,
  plaintext: Buffer,
): Promise<{ciphertext: Ciphertext; cached: boolean}> {
  const key = cacheKey(target, plaintext)
  const hit = parseCached(await store.read(key))
  if (hit) return {ciphertext: hit, cached: true}
  const ciphertext = await seal(kms, target, plaintext)
  await store.write(key, `${JSON.stringify(ciphertext, null, 2)}\n`)
  return {ciphertext, cached: false}
}
