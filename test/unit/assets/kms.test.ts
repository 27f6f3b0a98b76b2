import {randomBytes} from 'node:crypto'
import {beforeAll, describe, expect, it} from 'vitest'
import {cacheKey, sealCached} from '../../../src/assets/cache.js'
import {KMS_PLAINTEXT_LIMIT, open, seal} from '../../../src/assets/kms.js'
import type {Ciphertext} from '../../../src/render/types.js'
import {LocalStateStore} from '../../../src/state/local.js'
import {createKmsKey, emulatorKms} from '../../fixtures/render/material.js'
import {tempDir} from '../../support/cli.js'

const kms = emulatorKms()
let keyArn = ''
beforeAll(async () => {
  keyArn = await createKmsKey()
})

describe('seal and open with the emulator KMS', () => {
  it('uses KMS directly up to 4 KB and gives back exactly the plaintext', async () => {
    const plaintext = randomBytes(KMS_PLAINTEXT_LIMIT)
    const sealed = await seal(kms, {keyId: keyArn, cluster: 'kms.example.com', name: 'ca.key'}, plaintext)
    expect(sealed.scheme).toBe('kms')
    expect(sealed.keyId).toBe(keyArn)
    expect(Buffer.from(sealed.blob, 'base64').includes(plaintext)).toBe(false)
    expect((await open(kms, {cluster: 'kms.example.com', name: 'ca.key'}, sealed)).equals(plaintext)).toBe(
      true,
    )
  })

  it('uses an envelope (data key + AES-256-GCM) above 4 KB and gives back exactly the plaintext', async () => {
    const plaintext = randomBytes(KMS_PLAINTEXT_LIMIT + 1)
    const sealed = await seal(kms, {keyId: keyArn, cluster: 'kms.example.com', name: 'big'}, plaintext)
    expect(sealed.scheme).toBe('envelope')
    expect((await open(kms, {cluster: 'kms.example.com', name: 'big'}, sealed)).equals(plaintext)).toBe(true)
  })

  it('refuses a tampered envelope', async () => {
    const sealed = (await seal(
      kms,
      {keyId: keyArn, cluster: 'kms.example.com', name: 'big'},
      randomBytes(6000),
    )) as Extract<Ciphertext, {scheme: 'envelope'}>
    const blob = Buffer.from(sealed.blob, 'base64')
    blob[10]! ^= 1
    await expect(
      open(kms, {cluster: 'kms.example.com', name: 'big'}, {...sealed, blob: blob.toString('base64')}),
    ).rejects.toThrow(/asset "big": the envelope does not open/)
  })

  it('binds the asset name: a ciphertext does not open as another asset', async () => {
    const sealed = await seal(
      kms,
      {keyId: keyArn, cluster: 'kms.example.com', name: 'big'},
      randomBytes(6000),
    )
    await expect(open(kms, {cluster: 'kms.example.com', name: 'other'}, sealed)).rejects.toThrow(/other/)
  })

  it('names the key and the asset when KMS refuses', async () => {
    await expect(
      seal(kms, {keyId: 'alias/kforge/does-not-exist', cluster: 'c', name: 'ca.key'}, Buffer.from('x')),
    ).rejects.toThrow(/KMS Encrypt of asset "ca.key" with key alias\/kforge\/does-not-exist failed/)
  })
})

describe('the ciphertext cache in the state store', () => {
  it('returns the same ciphertext for the same plaintext and key, and seals anew for a new plaintext', async () => {
    const store = new LocalStateStore(tempDir('kforge-cache-'))
    const target = {keyId: keyArn, cluster: 'cache.example.com', name: 'sa.key'}
    const first = await sealCached(store, kms, target, Buffer.from('secret one'))
    const again = await sealCached(store, kms, target, Buffer.from('secret one'))
    expect(first.cached).toBe(false)
    expect(again.cached).toBe(true)
    expect(again.ciphertext).toEqual(first.ciphertext)
    const other = await sealCached(store, kms, target, Buffer.from('secret two'))
    expect(other.cached).toBe(false)
    expect(other.ciphertext.blob).not.toBe(first.ciphertext.blob)
    expect(await store.list('cache.example.com/assets/encrypted')).toHaveLength(2)
  })

  it('keys entries by the key ARN and asset too, and never by plaintext', () => {
    const a = cacheKey({keyId: 'arn:1', cluster: 'c', name: 'x'}, Buffer.from('p'))
    expect(a).toMatch(/^c\/assets\/encrypted\/[0-9a-f]{64}\.json$/)
    expect(cacheKey({keyId: 'arn:2', cluster: 'c', name: 'x'}, Buffer.from('p'))).not.toBe(a)
    expect(cacheKey({keyId: 'arn:1', cluster: 'c', name: 'y'}, Buffer.from('p'))).not.toBe(a)
  })

  it('re-seals over a damaged entry', async () => {
    const store = new LocalStateStore(tempDir('kforge-cache-'))
    const target = {keyId: keyArn, cluster: 'damaged.example.com', name: 'sa.key'}
    await store.write(cacheKey(target, Buffer.from('s')), 'not json')
    const out = await sealCached(store, kms, target, Buffer.from('s'))
    expect(out.cached).toBe(false)
    expect((await open(kms, target, out.ciphertext)).toString()).toBe('s')
  })
})
