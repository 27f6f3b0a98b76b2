/**
 * Reading and writing PKI files: keys 0600, certificates and public keys 0644, directories 0755,
 * each file written to a temporary name and renamed so a crash never leaves half a key. A pair is
 * reused only when both halves are present and belong together; anything else is an error that
 * names the files, because silently replacing a user's key or CA breaks the cluster.
 */
import {randomBytes, X509Certificate} from 'node:crypto'
import {chmod, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {KforgeError} from '../util/errors.js'
import type {CertAndKey} from './cert.js'
import {type KeyPair, parsePrivateKey, privateKeyPem} from './keys.js'

export const KEY_MODE = 0o600
export const CERT_MODE = 0o644
export const DIR_MODE = 0o755

/** Write atomically with an exact mode (not subject to the umask). */
export async function writeFileAtomic(file: string, data: string | Buffer, mode: number): Promise<void> {
  await mkdir(dirname(file), {recursive: true, mode: DIR_MODE})
  // A dotfile: the kubelet runs every file in /etc/kubernetes/manifests except dotfiles, so a
  // visible temporary name there became a second static pod of the same name, which on the real
  // kubelet never got its volumes (and so the API server written back by a recovery never started).
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${randomBytes(4).toString('hex')}`)
  try {
    await writeFile(tmp, data, {mode, flag: 'wx'})
    await chmod(tmp, mode)
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, {force: true})
    throw err
  }
}

export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new KforgeError(`cannot read ${file}: ${(err as Error).message}`)
  }
}

export function parseCertificate(pem: string | Buffer, file: string): X509Certificate {
  try {
    return new X509Certificate(pem)
  } catch (err) {
    throw new KforgeError(`${file}: not a readable PEM certificate (${(err as Error).message})`)
  }
}

export interface PairPaths {
  cert: string
  key: string
}

export function pairPaths(dir: string, baseName: string): PairPaths {
  return {cert: join(dir, `${baseName}.crt`), key: join(dir, `${baseName}.key`)}
}

/**
 * The existing certificate and key at `paths`, or undefined when neither exists. Throws when only
 * one exists (unless `allowMissingKey`, for an external CA) or when the key does not match.
 */
export async function loadPair(
  paths: PairPaths,
  options: {allowMissingKey?: boolean} = {},
): Promise<{certPem: string; cert: X509Certificate; key?: KeyPair} | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(paths.cert), readIfExists(paths.key)])
  if (!certPem && !keyPem) return undefined
  if (!certPem)
    throw new KforgeError(`${paths.key} exists but ${paths.cert} does not: provide both or neither`)
  const cert = parseCertificate(certPem, paths.cert)
  if (!keyPem) {
    if (options.allowMissingKey) return {certPem: certPem.toString(), cert}
    throw new KforgeError(`${paths.cert} exists but ${paths.key} does not: provide both or neither`)
  }
  const key = parsePrivateKey(keyPem, paths.key)
  if (!cert.checkPrivateKey(key.privateKey)) {
    throw new KforgeError(
      `${paths.key} does not belong to ${paths.cert}: the private key does not match the certificate's public key`,
    )
  }
  return {certPem: certPem.toString(), cert, key}
}

export async function writePair(paths: PairPaths, pair: CertAndKey): Promise<void> {
  // key first: a certificate on disk without its key would make the next run refuse the pair
  await writeFileAtomic(paths.key, privateKeyPem(pair.key.privateKey), KEY_MODE)
  await writeFileAtomic(paths.cert, pair.certPem, CERT_MODE)
}
