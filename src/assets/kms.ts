/**
 * Sealing and opening secrets with the cluster's KMS key. Up to KMS's 4 KB plaintext limit a
 * secret goes straight through KMS Encrypt; above it, envelope encryption: KMS GenerateDataKey
 * gives a fresh AES-256 key (and its KMS-encrypted form), the secret is sealed locally with
 * AES-256-GCM, and only the encrypted data key travels. Both bind an encryption context naming
 * the cluster and the asset (and, for what instances open, the role it is sealed for), so a
 * ciphertext opens only as what it was sealed for, and a role's kms:Decrypt can be limited to its
 * own context (src/cloud/aws/build/iam-policies.ts).
 */
import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'
import type {KMSClient} from '@aws-sdk/client-kms'
import type {Ciphertext} from '../render/types.js'
import {errorMessage, KforgeError} from '../util/errors.js'

/** KMS Encrypt's plaintext limit (bytes). */
export const KMS_PLAINTEXT_LIMIT = 4096

export interface SealTarget {
  /** Key ARN (or id/alias) to seal with. */
  keyId: string
  cluster: string
  /** Asset name (`ca.key`, `etcd-backup/<id>`). */
  name: string
  /** The instance role the secret is sealed for (`control-plane`); absent for the provisioner's own. */
  role?: string
}

/** What a ciphertext is bound to: cluster, asset and, when sealed for instances, their role. */
export interface SealedFor {
  cluster: string
  name: string
  role?: string
}

export function encryptionContext(cluster: string, name: string, role?: string): Record<string, string> {
  return {
    'kforge.dev/cluster': cluster,
    'kforge.dev/asset': name,
    ...(role === undefined ? {} : {'kforge.dev/role': role}),
  }
}

function aad(asset: SealedFor): Buffer {
  return Buffer.from(JSON.stringify(encryptionContext(asset.cluster, asset.name, asset.role)))
}

function kmsFailure(action: string, target: {keyId: string; name: string}, err: unknown): KforgeError {
  return new KforgeError(
    `KMS ${action} of asset "${target.name}" with key ${target.keyId} failed: ${errorMessage(err)}`,
    {
      cause: err,
    },
  )
}

/** Seal `plaintext` for `target`, straight through KMS or by envelope when it is over 4 KB. */
export async function seal(kms: KMSClient, target: SealTarget, plaintext: Buffer): Promise<Ciphertext> {
  const {EncryptCommand, GenerateDataKeyCommand} = await import('@aws-sdk/client-kms')
  const EncryptionContext = encryptionContext(target.cluster, target.name, target.role)
  if (plaintext.length <= KMS_PLAINTEXT_LIMIT) {
    try {
      const out = await kms.send(
        new EncryptCommand({KeyId: target.keyId, Plaintext: plaintext, EncryptionContext}),
      )
      return {
        scheme: 'kms',
        keyId: out.KeyId ?? target.keyId,
        blob: Buffer.from(out.CiphertextBlob!).toString('base64'),
      }
    } catch (err) {
      throw kmsFailure('Encrypt', target, err)
    }
  }
  let dataKey: {plain: Buffer; sealed: Buffer; keyId: string}
  try {
    const out = await kms.send(
      new GenerateDataKeyCommand({KeyId: target.keyId, KeySpec: 'AES_256', EncryptionContext}),
    )
    dataKey = {
      plain: Buffer.from(out.Plaintext!),
      sealed: Buffer.from(out.CiphertextBlob!),
      keyId: out.KeyId ?? target.keyId,
    }
  } catch (err) {
    throw kmsFailure('GenerateDataKey', target, err)
  }
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', dataKey.plain, iv)
  cipher.setAAD(aad(target))
  const blob = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const tag = cipher.getAuthTag()
  dataKey.plain.fill(0)
  return {
    scheme: 'envelope',
    keyId: dataKey.keyId,
    dataKey: dataKey.sealed.toString('base64'),
    iv: iv.toString('base64'),
    tag: tag.toString('base64'),
    blob: blob.toString('base64'),
  }
}

/** Open a sealed asset (what the node agent does at boot, with the instance role). */
export async function open(kms: KMSClient, asset: SealedFor, ciphertext: Ciphertext): Promise<Buffer> {
  const {DecryptCommand} = await import('@aws-sdk/client-kms')
  const EncryptionContext = encryptionContext(asset.cluster, asset.name, asset.role)
  const target = {keyId: ciphertext.keyId, name: asset.name}
  const decrypt = async (blob: string): Promise<Buffer> => {
    try {
      const out = await kms.send(
        new DecryptCommand({
          KeyId: ciphertext.keyId,
          CiphertextBlob: Buffer.from(blob, 'base64'),
          EncryptionContext,
        }),
      )
      return Buffer.from(out.Plaintext!)
    } catch (err) {
      throw kmsFailure('Decrypt', target, err)
    }
  }
  switch (ciphertext.scheme) {
    case 'kms':
      return decrypt(ciphertext.blob)
    case 'envelope': {
      const key = await decrypt(ciphertext.dataKey)
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ciphertext.iv, 'base64'))
        decipher.setAAD(aad(asset))
        decipher.setAuthTag(Buffer.from(ciphertext.tag, 'base64'))
        return Buffer.concat([decipher.update(Buffer.from(ciphertext.blob, 'base64')), decipher.final()])
      } catch (err) {
        throw new KforgeError(
          `asset "${asset.name}": the envelope does not open (tampered or wrong asset): ${errorMessage(err)}`,
        )
      } finally {
        key.fill(0)
      }
    }
    default: {
      const never: never = ciphertext
      throw new KforgeError(`asset "${asset.name}": unknown ciphertext scheme ${JSON.stringify(never)}`)
    }
  }
}
