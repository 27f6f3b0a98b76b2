/**
 * The node side of a role's files: read /etc/kforge/assets.json (written by the cloud-config),
 * fetch the role's bundle from the state store with the instance role, check its sha256, open its
 * sealed files with KMS under the role's encryption context, and write every file where it belongs
 * with its mode. Each file is written atomically (temporary file, then rename), so a half-written
 * key never exists.
 */
import {chmod, mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, normalize} from 'node:path'
import type {KMSClient} from '@aws-sdk/client-kms'
import type {S3Client} from '@aws-sdk/client-s3'
import type {AssetRole} from '../render/types.js'
import {parseS3Url} from '../render/urls.js'
import {errorMessage, KforgeError} from '../util/errors.js'
import {openSecretsBundle} from './secrets-bundle.js'

/** Where a role's bundle is: what the user-data carries instead of the files. */
export interface SecretsReference {
  /** `s3://bucket/key`. */
  url: string
  /** The bucket's region. */
  region: string
  role: AssetRole
  sha256: string
}

export interface AssetsManifest {
  cluster: string
  region: string
  /** Absent for a role that receives no files (nodes). */
  secrets?: SecretsReference
}

export async function readManifest(file: string): Promise<AssetsManifest> {
  let value: AssetsManifest
  try {
    value = JSON.parse(await readFile(file, 'utf8')) as AssetsManifest
  } catch (err) {
    throw new KforgeError(`${file}: not a kforge assets manifest: ${errorMessage(err)}`)
  }
  if (typeof value.cluster !== 'string' || typeof value.region !== 'string') {
    throw new KforgeError(`${file}: expected {"cluster", "region", "secrets"?: {...}}`)
  }
  const s = value.secrets
  if (
    s !== undefined &&
    (!parseS3Url(s.url) ||
      typeof s.region !== 'string' ||
      (s.role !== 'control-plane' && s.role !== 'node') ||
      !/^[0-9a-f]{64}$/.test(s.sha256 ?? ''))
  ) {
    throw new KforgeError(`${file}: "secrets" needs an s3:// url, its region, a role and a sha256`)
  }
  return value
}

/** The bundle's bytes, fetched with the instance role. */
async function fetchBundle(s3: S3Client, ref: SecretsReference): Promise<Buffer> {
  const {GetObjectCommand} = await import('@aws-sdk/client-s3')
  const loc = parseS3Url(ref.url)!
  try {
    const out = await s3.send(new GetObjectCommand({Bucket: loc.bucket, Key: loc.key}))
    return Buffer.from(await out.Body!.transformToByteArray())
  } catch (err) {
    throw new KforgeError(`fetching the ${ref.role} files ${ref.url}: ${errorMessage(err)}`, {cause: err})
  }
}

/** A path the bundle may write: absolute, normalised, with an octal mode. */
function checkFile(f: {name: string; path: string; mode: string}, where: string): void {
  if (!f.path || !isAbsolute(f.path) || normalize(f.path) !== f.path || !/^0[0-7]{3}$/.test(f.mode ?? '')) {
    throw new KforgeError(`${where}: "${f.name}" needs an absolute, normalised path and an octal mode`)
  }
}

/** Fetch, check and open the manifest's bundle under `rootDir`; returns the paths written, in order. */
export async function decryptAssets(
  manifest: AssetsManifest,
  clients: {kms: KMSClient; s3: S3Client},
  rootDir = '/',
): Promise<string[]> {
  const ref = manifest.secrets
  if (!ref) return []
  const body = await fetchBundle(clients.s3, ref)
  const files = await openSecretsBundle(
    body,
    {cluster: manifest.cluster, role: ref.role, sha256: ref.sha256, where: ref.url},
    clients.kms,
  )
  for (const file of files) checkFile(file, ref.url)
  const written: string[] = []
  for (const file of files) {
    const target = join(rootDir, file.path)
    const mode = Number.parseInt(file.mode, 8)
    // Directories of secrets are private too.
    await mkdir(dirname(target), {recursive: true, mode: mode & 0o044 ? 0o755 : 0o700})
    const temporary = `${target}.kforge-tmp`
    await writeFile(temporary, file.data, {mode})
    await chmod(temporary, mode)
    await rename(temporary, target)
    file.data.fill(0)
    written.push(file.path)
  }
  return written
}
