/**
 * What an instance role receives from the provisioner, kept in the state store instead of
 * user-data: one JSON object per role, `<cluster>/secrets/<role>/<sha256>.json`, holding every file
 * of the catalogue for that role — the secrets sealed with the cluster key under the encryption
 * context {cluster, asset, role}, the certificates and the service-account public key as they are.
 *
 * User-data carries only the reference (its s3:// URL and sha256), so launch templates, the
 * console and `DescribeInstanceAttribute` show no secret, sealed or not. The role's policy allows
 * s3:GetObject on its own `secrets/<role>/` prefix and kms:Decrypt only under its own encryption
 * context; the node role gets neither. Content-addressed: an unchanged cluster renders the same
 * reference (the sealed copies come from the provisioner's cache), and old launch template
 * versions keep working during a rolling update.
 *
 * The object is written without SSE-KMS under the cluster key, on purpose: S3 would ask KMS to
 * decrypt it under the context `aws:s3:arn`, which the role's condition (its own context) refuses.
 * Its secrets are sealed by kforge itself, so the bucket's default encryption is enough.
 */
import {createHash} from 'node:crypto'
import type {KMSClient} from '@aws-sdk/client-kms'
import type {AssetRole, Ciphertext, SecretsRef} from '../render/types.js'
import {parseS3Url, s3Join} from '../render/urls.js'
import {errorMessage, KforgeError} from '../util/errors.js'
import {open} from './kms.js'

/** `<cluster>/secrets/<role>/`: the only prefix of the store a role reads its files from. */
export function secretsPrefix(cluster: string, role: AssetRole): string {
  return `${cluster}/secrets/${role}/`
}

export function secretsBundleKey(cluster: string, role: AssetRole, sha256: string): string {
  return `${secretsPrefix(cluster, role)}${sha256}.json`
}

/** The reference user-data carries for a bundle of `stateStore`. */
export function secretsRef(stateStore: string, key: string, sha256: string): SecretsRef {
  // A local store (no instance can fetch from it; apply refuses it) still renders for review.
  const url = parseS3Url(stateStore) ? s3Join(stateStore, key) : `${stateStore.replace(/\/+$/, '')}/${key}`
  return {key, url, sha256}
}

interface FileHead {
  /** Catalogue name; also the `kforge.dev/asset` encryption context of a sealed file. */
  name: string
  /** Absolute path on the instance. */
  path: string
  /** Octal mode (`0600` for every secret). */
  mode: string
}

export type BundleFile = (FileHead & {ciphertext: Ciphertext}) | (FileHead & {content: string})

export interface SecretsBundle {
  cluster: string
  role: AssetRole
  files: BundleFile[]
}

/** The bundle's bytes and where they go; deterministic for the same files. */
export function encodeSecretsBundle(bundle: SecretsBundle): {key: string; body: string; sha256: string} {
  const files = [...bundle.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const body = `${JSON.stringify({cluster: bundle.cluster, role: bundle.role, files}, null, 1)}\n`
  const sha256 = createHash('sha256').update(body).digest('hex')
  return {key: secretsBundleKey(bundle.cluster, bundle.role, sha256), body, sha256}
}

/** A file ready to write on the instance. */
export interface OpenedFile {
  name: string
  path: string
  mode: string
  data: Buffer
}

/**
 * Check the bundle against its reference (sha256, cluster, role) and open its sealed files with
 * KMS, under the role's encryption context.
 */
export async function openSecretsBundle(
  body: Buffer,
  expected: {cluster: string; role: AssetRole; sha256: string; where: string},
  kms: KMSClient,
): Promise<OpenedFile[]> {
  const sum = createHash('sha256').update(body).digest('hex')
  if (sum !== expected.sha256) {
    throw new KforgeError(
      `${expected.where}: sha256 ${sum} is not the ${expected.sha256} the user-data names (replaced or damaged)`,
    )
  }
  let bundle: SecretsBundle
  try {
    bundle = JSON.parse(body.toString('utf8')) as SecretsBundle
  } catch (err) {
    throw new KforgeError(`${expected.where}: not a kforge secrets bundle: ${errorMessage(err)}`)
  }
  if (bundle.cluster !== expected.cluster || bundle.role !== expected.role || !Array.isArray(bundle.files)) {
    throw new KforgeError(
      `${expected.where}: made for cluster "${bundle.cluster}" role "${bundle.role}", not "${expected.cluster}" "${expected.role}"`,
    )
  }
  const out: OpenedFile[] = []
  for (const f of bundle.files) {
    const data =
      'ciphertext' in f
        ? await open(kms, {cluster: bundle.cluster, name: f.name, role: bundle.role}, f.ciphertext)
        : Buffer.from(f.content, 'utf8')
    out.push({name: f.name, path: f.path, mode: f.mode, data})
  }
  return out
}
