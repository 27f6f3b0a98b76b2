/**
 * The node side of encrypted assets: read /etc/kforge/assets.json (written by the cloud-config),
 * open each secret with KMS using the instance role, and write it where it belongs with its mode.
 * Each file is written atomically (temporary file, then rename), so a half-written key never exists.
 */
import {chmod, mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, normalize} from 'node:path'
import type {KMSClient} from '@aws-sdk/client-kms'
import type {Ciphertext} from '../render/types.js'
import {errorMessage, KforgeError} from '../util/errors.js'
import {open} from './kms.js'

export interface ManifestAsset {
  name: string
  path: string
  mode: string
  ciphertext: Ciphertext
}

export interface AssetsManifest {
  cluster: string
  region: string
  assets: ManifestAsset[]
}

export async function readManifest(file: string): Promise<AssetsManifest> {
  let value: AssetsManifest
  try {
    value = JSON.parse(await readFile(file, 'utf8')) as AssetsManifest
  } catch (err) {
    throw new KforgeError(`${file}: not a kforge assets manifest: ${errorMessage(err)}`)
  }
  if (typeof value.cluster !== 'string' || typeof value.region !== 'string' || !Array.isArray(value.assets)) {
    throw new KforgeError(`${file}: expected {"cluster", "region", "assets": [...]}`)
  }
  for (const [i, a] of value.assets.entries()) {
    if (!a.path || !isAbsolute(a.path) || normalize(a.path) !== a.path || !/^0[0-7]{3}$/.test(a.mode ?? '')) {
      throw new KforgeError(
        `${file}: assets[${i}] ("${a.name}"): needs an absolute, normalised path and an octal mode`,
      )
    }
  }
  return value
}

/** Decrypt every asset of the manifest under `rootDir`; returns the paths written, in order. */
export async function decryptAssets(
  manifest: AssetsManifest,
  kms: KMSClient,
  rootDir = '/',
): Promise<string[]> {
  const written: string[] = []
  for (const asset of manifest.assets) {
    const plaintext = await open(kms, {cluster: manifest.cluster, name: asset.name}, asset.ciphertext)
    const target = join(rootDir, asset.path)
    const mode = Number.parseInt(asset.mode, 8)
    // Directories of secrets are private too.
    await mkdir(dirname(target), {recursive: true, mode: mode & 0o044 ? 0o755 : 0o700})
    const temporary = `${target}.kforge-tmp`
    await writeFile(temporary, plaintext, {mode})
    await chmod(temporary, mode)
    await rename(temporary, target)
    plaintext.fill(0)
    written.push(asset.path)
  }
  return written
}
