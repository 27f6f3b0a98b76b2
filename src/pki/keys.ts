/**
 * Key pairs from Node's native crypto (OpenSSL underneath, generated on the libuv thread pool so
 * several keys are made in parallel), written the way kubeadm writes them: RSA as PKCS#1
 * `RSA PRIVATE KEY`, ECDSA as SEC1 `EC PRIVATE KEY`, public keys as PKIX `PUBLIC KEY`.
 */
import {createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, webcrypto} from 'node:crypto'
import {promisify} from 'node:util'
import {KforgeError} from '../util/errors.js'

const generate = promisify(generateKeyPair)

/** kubeadm's `encryptionAlgorithm` values (v1beta4 ClusterConfiguration). */
export const ENCRYPTION_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'] as const
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number]
export const DEFAULT_ENCRYPTION_ALGORITHM: EncryptionAlgorithm = 'RSA-2048'

export interface KeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
}

export function isEncryptionAlgorithm(value: string): value is EncryptionAlgorithm {
  return (ENCRYPTION_ALGORITHMS as readonly string[]).includes(value)
}

export async function generateKey(algorithm: EncryptionAlgorithm): Promise<KeyPair> {
  switch (algorithm) {
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return generate('rsa', {modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001})
    case 'ECDSA-P256':
      return generate('ec', {namedCurve: 'P-256'})
    case 'ECDSA-P384':
      return generate('ec', {namedCurve: 'P-384'})
    default: {
      const never: never = algorithm
      throw new KforgeError(`unsupported encryption algorithm ${String(never)}`)
    }
  }
}

export function privateKeyPem(key: KeyObject): string {
  const type = key.asymmetricKeyType
  if (type === 'rsa') return key.export({type: 'pkcs1', format: 'pem'}) as string
  if (type === 'ec') return key.export({type: 'sec1', format: 'pem'}) as string
  return key.export({type: 'pkcs8', format: 'pem'}) as string
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({type: 'spki', format: 'pem'}) as string
}

/** Parse a PEM private key (PKCS#1, SEC1 or PKCS#8); the error names the file. */
export function parsePrivateKey(pem: string | Buffer, file: string): KeyPair {
  try {
    const privateKey = createPrivateKey(pem)
    return {privateKey, publicKey: createPublicKey(privateKey)}
  } catch (err) {
    throw new KforgeError(`${file}: not a readable PEM private key (${(err as Error).message})`)
  }
}

export function parsePublicKey(pem: string | Buffer, file: string): KeyObject {
  try {
    return createPublicKey(pem)
  } catch (err) {
    throw new KforgeError(`${file}: not a readable PEM public key (${(err as Error).message})`)
  }
}

/** Same public key, compared as DER SubjectPublicKeyInfo. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({type: 'spki', format: 'der'}).equals(b.export({type: 'spki', format: 'der'}))
}

/** kubeadm's name for a key's algorithm, or undefined for anything else (e.g. Ed25519). */
export function algorithmOf(key: KeyObject): EncryptionAlgorithm | undefined {
  const d = key.asymmetricKeyDetails
  if (key.asymmetricKeyType === 'rsa') {
    const alg = `RSA-${d?.modulusLength}`
    return isEncryptionAlgorithm(alg) ? alg : undefined
  }
  if (key.asymmetricKeyType === 'ec') {
    if (d?.namedCurve === 'prime256v1') return 'ECDSA-P256'
    if (d?.namedCurve === 'secp384r1') return 'ECDSA-P384'
  }
  return undefined
}

/** WebCrypto parameters for signing with a key (SHA-256, or SHA-384 for P-384 as Go picks). */
export function signingAlgorithm(key: KeyObject): RsaHashedImportParams | EcKeyImportParams {
  const alg = algorithmOf(key)
  if (!alg) throw new KforgeError(`unsupported signing key type ${key.asymmetricKeyType ?? 'unknown'}`)
  if (alg.startsWith('RSA')) return {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'} as RsaHashedImportParams
  return {name: 'ECDSA', namedCurve: alg === 'ECDSA-P384' ? 'P-384' : 'P-256'} as EcKeyImportParams
}

type RsaHashedImportParams = webcrypto.RsaHashedImportParams
type EcKeyImportParams = webcrypto.EcKeyImportParams

export async function toCryptoKeys(pair: KeyPair): Promise<webcrypto.CryptoKeyPair> {
  const alg = signingAlgorithm(pair.privateKey)
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', pair.privateKey.export({type: 'pkcs8', format: 'der'}), alg, false, [
      'sign',
    ]),
    webcrypto.subtle.importKey('spki', pair.publicKey.export({type: 'spki', format: 'der'}), alg, true, [
      'verify',
    ]),
  ])
  return {privateKey, publicKey}
}
