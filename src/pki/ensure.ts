/**
 * Make sure a certificate, CA or the service-account key exists under the PKI directory, as
 * kubeadm's certs phases do: reuse what is there when it is valid for the configuration (a
 * user-provided CA is honoured, with or without its key), create what is missing, and refuse
 * anything present but wrong, naming the file and the problem.
 */
import type {X509Certificate} from 'node:crypto'
import {join} from 'node:path'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {type CertAndKey, createCA, createSignedCert} from './cert.js'
import {CERT_MODE, KEY_MODE, loadPair, pairPaths, readIfExists, writeFileAtomic, writePair} from './files.js'
import type {KeyPool} from './key-pool.js'
import {parsePrivateKey, parsePublicKey, privateKeyPem, publicKeyPem, samePublicKey} from './keys.js'
import {type CaName, type CertSpec, caSpec, type PkiConfig, SA_KEY_BASENAME} from './kubeadm-certs.js'

export interface PkiContext {
  /** Absolute PKI directory on this machine (root dir already applied). */
  dir: string
  cfg: PkiConfig
  keys: KeyPool
  dryRun: boolean
  logger: Logger
  now?: Date
  /** CAs already loaded or made in this run, so each is read and prepared for signing once. */
  cas?: CaCache
}

export type CaCache = Map<string, LoadedCA>

/** A CA as loaded or created; `key` is absent for an external CA (certificate only). */
export interface LoadedCA {
  certPem: string
  cert: X509Certificate
  key?: CertAndKey['key']
}

export type EnsureResult = 'created' | 'reused' | 'dry-run'

function checkDates(cert: X509Certificate, file: string, now: Date): void {
  if (now.getTime() > Date.parse(cert.validTo)) {
    throw new KforgeError(
      `${file}: the certificate expired on ${cert.validTo}; renew it or remove it (and its key) to have a new one made`,
    )
  }
  if (now.getTime() < Date.parse(cert.validFrom)) {
    throw new KforgeError(
      `${file}: the certificate is not valid before ${cert.validFrom}; check this machine's clock`,
    )
  }
}

/** Load an existing CA (key optional), or undefined when there is none. */
export async function loadCA(
  dir: string,
  ca: CaName,
  now: Date = new Date(),
  cache?: CaCache,
): Promise<LoadedCA | undefined> {
  const paths = pairPaths(dir, ca)
  const cached = cache?.get(paths.cert)
  if (cached) return cached
  const pair = await loadPair(paths, {allowMissingKey: true})
  if (!pair) return undefined
  if (!pair.cert.ca)
    throw new KforgeError(`${paths.cert}: not a CA certificate (basicConstraints CA:TRUE is missing)`)
  checkDates(pair.cert, paths.cert, now)
  cache?.set(paths.cert, pair)
  return pair
}

export async function ensureCA(ctx: PkiContext, ca: CaName): Promise<EnsureResult> {
  const paths = pairPaths(ctx.dir, ca)
  const existing = await loadCA(ctx.dir, ca, ctx.now, ctx.cas)
  if (existing) {
    if (!existing.key) {
      ctx.logger.info(
        `[certs] Using the existing ${ca} certificate without its key (external CA): ${paths.cert}`,
      )
    } else {
      ctx.logger.info(`[certs] Using the existing "${ca}" certificate and key`)
    }
    return 'reused'
  }
  if (ctx.dryRun) {
    ctx.logger.info(`[dry-run] would generate the "${ca}" CA: ${paths.cert}, ${paths.key}`)
    return 'dry-run'
  }
  const spec = caSpec(ca)
  const created = await createCA(
    {subject: spec.subject(ctx.cfg), validityMs: ctx.cfg.caCertificateValidityMs, now: ctx.now},
    await ctx.keys.take(ca),
  )
  await writePair(paths, created)
  ctx.cas?.set(paths.cert, created)
  ctx.logger.info(`[certs] Generated "${ca}" certificate and key`)
  return 'created'
}

/** What is wrong with an existing leaf for this configuration, or undefined. */
function leafProblem(
  cert: X509Certificate,
  spec: CertSpec,
  cfg: PkiConfig,
  ca: LoadedCA,
): string | undefined {
  if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey)) {
    return `not signed by the "${spec.ca}" CA`
  }
  const want = spec.altNames?.(cfg)
  const missing = [
    ...(want?.dnsNames ?? []).filter((d) => cert.checkHost(d, {subject: 'never', wildcards: false}) !== d),
    ...(want?.ips ?? []).filter((ip) => cert.checkIP(ip) === undefined),
  ]
  if (missing.length > 0) return `missing subject alternative names ${missing.join(', ')}`
  return undefined
}

export async function ensureCert(ctx: PkiContext, spec: CertSpec): Promise<EnsureResult> {
  if (!spec.ca) return ensureCA(ctx, spec.baseName as CaName)
  const paths = pairPaths(ctx.dir, spec.baseName)
  const caPaths = pairPaths(ctx.dir, spec.ca)
  const [ca, existing] = await Promise.all([loadCA(ctx.dir, spec.ca, ctx.now, ctx.cas), loadPair(paths)])
  if (!ca && !ctx.dryRun) {
    throw new KforgeError(
      `${caPaths.cert} not found: the "${spec.ca}" CA signs ${spec.baseName}.crt (run the certs/${caSpec(spec.ca).name} phase first)`,
    )
  }
  if (existing) {
    checkDates(existing.cert, paths.cert, ctx.now ?? new Date())
    const problem = ca ? leafProblem(existing.cert, spec, ctx.cfg, ca) : undefined
    if (problem)
      throw new KforgeError(
        `${paths.cert}: existing certificate is ${problem}; remove it (and its key) to have a new one made`,
      )
    ctx.logger.info(`[certs] Using the existing "${spec.baseName}" certificate and key`)
    return 'reused'
  }
  if (ctx.dryRun) {
    ctx.logger.info(`[dry-run] would generate "${spec.baseName}": ${paths.cert}, ${paths.key}`)
    return 'dry-run'
  }
  if (!ca!.key) {
    throw new KforgeError(
      `${paths.cert} is missing and ${caPaths.key} is absent (external CA mode): provide ${spec.baseName}.crt and ${spec.baseName}.key signed by your CA`,
    )
  }
  const subject = spec.subject(ctx.cfg)
  const created = await createSignedCert(
    {
      subject,
      usages: spec.usages,
      ...(spec.altNames ? {altNames: spec.altNames(ctx.cfg)} : {}),
      validityMs: ctx.cfg.certificateValidityMs,
      now: ctx.now,
    },
    await ctx.keys.take(spec.baseName),
    {certPem: ca!.certPem, cert: ca!.cert, key: ca!.key},
  )
  await writePair(paths, created)
  const sans = spec.altNames?.(ctx.cfg)
  ctx.logger.info(
    `[certs] Generated "${spec.baseName}" certificate and key${sans ? ` (serving DNS names [${sans.dnsNames.join(' ')}] and IPs [${sans.ips.join(' ')}])` : ''}`,
  )
  return 'created'
}

/** sa.key (0600) and sa.pub (PEM PUBLIC KEY, 0644): the service-account token signing pair. */
export async function ensureServiceAccountKey(ctx: PkiContext): Promise<EnsureResult> {
  const keyFile = join(ctx.dir, `${SA_KEY_BASENAME}.key`)
  const pubFile = join(ctx.dir, `${SA_KEY_BASENAME}.pub`)
  const [keyPem, pubPem] = await Promise.all([readIfExists(keyFile), readIfExists(pubFile)])
  if (keyPem) {
    const key = parsePrivateKey(keyPem, keyFile)
    if (pubPem) {
      if (!samePublicKey(parsePublicKey(pubPem, pubFile), key.publicKey)) {
        throw new KforgeError(`${pubFile} does not match ${keyFile}: the public key is not the private key's`)
      }
      ctx.logger.info('[certs] Using the existing "sa" key')
      return 'reused'
    }
    if (ctx.dryRun) return 'dry-run'
    await writeFileAtomic(pubFile, publicKeyPem(key.publicKey), CERT_MODE)
    return 'reused'
  }
  if (pubPem) throw new KforgeError(`${pubFile} exists but ${keyFile} does not: provide both or neither`)
  if (ctx.dryRun) {
    ctx.logger.info(`[dry-run] would generate the service account key pair: ${keyFile}, ${pubFile}`)
    return 'dry-run'
  }
  const key = await ctx.keys.take(SA_KEY_BASENAME)
  await writeFileAtomic(keyFile, privateKeyPem(key.privateKey), KEY_MODE)
  await writeFileAtomic(pubFile, publicKeyPem(key.publicKey), CERT_MODE)
  ctx.logger.info('[certs] Generating "sa" key and public key')
  return 'created'
}
