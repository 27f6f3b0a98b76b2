/**
 * The kubeadm-certs Secret's encryption (cmd/kubeadm/app/util/crypto, phases/copycerts): a
 * 32-byte certificate key given as 64 hex characters; each file sealed with AES-256-GCM, stored as
 * nonce (12 bytes) || ciphertext || tag (16 bytes) — Go's `gcm.Seal(nonce, nonce, data, nil)`.
 * Secret keys are the PKI file names with `/` turned into `-` (`etcd/ca.crt` → `etcd-ca.crt`).
 */
import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'
import {KforgeError} from '../util/errors.js'

export const KUBEADM_CERTS_SECRET = 'kubeadm-certs'
/** kubeadm's DefaultCertTokenDuration: the Secret lives as long as this token. */
export const CERT_TOKEN_TTL_MS = 2 * 3600_000

/** The files a joining control-plane node needs, relative to the certificates dir (local etcd). */
export const CERTS_TO_TRANSFER = [
  'ca.crt',
  'ca.key',
  'front-proxy-ca.crt',
  'front-proxy-ca.key',
  'sa.pub',
  'sa.key',
  'etcd/ca.crt',
  'etcd/ca.key',
] as const

export function secretKeyOf(file: string): string {
  return file.replaceAll('/', '-')
}

export function createCertificateKey(): string {
  return randomBytes(32).toString('hex')
}

export function parseCertificateKey(hex: string, field = 'certificateKey'): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new KforgeError(
      `${field}: a certificate key is 64 hex characters (32 bytes), got ${hex.length} characters`,
    )
  }
  return Buffer.from(hex, 'hex')
}

export function encryptBytes(data: Buffer, key: Buffer): Buffer {
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  const sealed = Buffer.concat([cipher.update(data), cipher.final()])
  return Buffer.concat([nonce, sealed, cipher.getAuthTag()])
}

export function decryptBytes(data: Buffer, key: Buffer): Buffer {
  if (data.length < 12 + 16) throw new KforgeError('encrypted data is too short to hold a nonce and a tag')
  const nonce = data.subarray(0, 12)
  const tag = data.subarray(data.length - 16)
  const decipher = createDecipheriv('aes-256-gcm', key, nonce)
  decipher.setAuthTag(tag)
  try {
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()])
  } catch {
    throw new KforgeError(
      'cannot decrypt: the certificate key does not match the one the certificates were uploaded with',
    )
  }
}
