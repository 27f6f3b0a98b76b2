/**
 * Self-signed CAs and CA-signed leaves with the extensions Go's crypto/x509 writes for kubeadm:
 * critical basicConstraints and keyUsage (keyEncipherment only for RSA keys), extKeyUsage
 * serverAuth/clientAuth, a subject key id on CAs and the CA's key id as authority key id on leaves.
 * Created with @peculiar/x509; read back with Node's X509Certificate.
 */
import {randomBytes, webcrypto, X509Certificate} from 'node:crypto'
import {type KeyPair, signingAlgorithm, toCryptoKeys} from './keys.js'
import {loadX509, type X509} from './x509.js'

/** kubeadm backdates NotBefore by 5 minutes to tolerate clock skew between machines. */
export const CERTIFICATE_BACKDATE_MS = 5 * 60 * 1000
export const DEFAULT_CERT_VALIDITY_MS = 365 * 24 * 3600 * 1000
export const DEFAULT_CA_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000

export type CertUsage = 'server' | 'client'

export interface CertSubject {
  commonName: string
  organizations?: readonly string[]
}

export interface AltNames {
  dnsNames: readonly string[]
  ips: readonly string[]
}

export interface CertRequest {
  subject: CertSubject
  /** Default: none (CAs) */
  usages?: readonly CertUsage[]
  /** Default: none */
  altNames?: AltNames
  /** Default: 1 year for leaves, 10 years for CAs */
  validityMs?: number
  /** Default: now */
  now?: Date
}

/** A certificate with its key, as PEM and as parsed objects. */
export interface CertAndKey {
  certPem: string
  cert: X509Certificate
  key: KeyPair
}

function serialNumber(): string {
  const bytes = randomBytes(8)
  bytes[0]! &= 0x7f // positive
  if (bytes.every((b) => b === 0)) bytes[7] = 1
  return bytes.toString('hex')
}

function subjectName(s: CertSubject): Record<string, string[]>[] {
  const rdns: Record<string, string[]>[] = []
  if (s.organizations && s.organizations.length > 0) rdns.push({O: [...s.organizations]})
  rdns.push({CN: [s.commonName]})
  return rdns
}

function validity(req: CertRequest, defaultMs: number): {notBefore: Date; notAfter: Date} {
  const now = req.now ?? new Date()
  return {
    notBefore: new Date(now.getTime() - CERTIFICATE_BACKDATE_MS),
    notAfter: new Date(now.getTime() + (req.validityMs ?? defaultMs)),
  }
}

export async function createCA(req: CertRequest, key: KeyPair): Promise<CertAndKey> {
  const x509 = await loadX509()
  const keys = await toCryptoKeys(key)
  const rsa = key.privateKey.asymmetricKeyType === 'rsa'
  const usage =
    x509.KeyUsageFlags.digitalSignature |
    x509.KeyUsageFlags.keyCertSign |
    (rsa ? x509.KeyUsageFlags.keyEncipherment : 0)
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: new x509.Name(subjectName(req.subject)),
    ...validity(req, DEFAULT_CA_VALIDITY_MS),
    signingAlgorithm: hashFor(key),
    keys,
    extensions: [
      new x509.KeyUsagesExtension(usage, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  const certPem = cert.toString('pem')
  return {certPem: `${certPem}\n`, cert: new X509Certificate(certPem), key}
}

/** What signing with a CA needs, prepared once per CA: imported keys, issuer name, authority key id. */
interface Signer {
  signingKey: CryptoKey
  issuer: InstanceType<X509['Name']>
  authorityKeyId: InstanceType<X509['Extension']>
}

type CryptoKey = webcrypto.CryptoKey
const signers = new WeakMap<object, Promise<Signer>>()

function signerFor(x509: X509, ca: CertAndKey): Promise<Signer> {
  let signer = signers.get(ca.key.privateKey)
  if (!signer) {
    signer = (async () => {
      const keys = await toCryptoKeys(ca.key)
      return {
        signingKey: keys.privateKey,
        issuer: new x509.X509Certificate(ca.cert.raw).subjectName,
        authorityKeyId: await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey, false),
      }
    })()
    signers.set(ca.key.privateKey, signer)
  }
  return signer
}

export async function createSignedCert(req: CertRequest, key: KeyPair, ca: CertAndKey): Promise<CertAndKey> {
  const x509 = await loadX509()
  const [publicKey, signer] = await Promise.all([
    webcrypto.subtle.importKey(
      'spki',
      key.publicKey.export({type: 'spki', format: 'der'}),
      signingAlgorithm(key.privateKey),
      true,
      ['verify'],
    ),
    signerFor(x509, ca),
  ])
  const rsa = key.privateKey.asymmetricKeyType === 'rsa'
  const usage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0)
  const extensions: InstanceType<typeof x509.Extension>[] = [
    new x509.KeyUsagesExtension(usage, true),
    new x509.BasicConstraintsExtension(false, undefined, true),
  ]
  const ekus = (req.usages ?? []).map((u) =>
    u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
  )
  if (ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false))
  extensions.push(signer.authorityKeyId)
  const names = [
    ...(req.altNames?.dnsNames ?? []).map((value) => ({type: 'dns' as const, value})),
    ...(req.altNames?.ips ?? []).map((value) => ({type: 'ip' as const, value})),
  ]
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false))
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: new x509.Name(subjectName(req.subject)),
    issuer: signer.issuer,
    ...validity(req, DEFAULT_CERT_VALIDITY_MS),
    signingAlgorithm: hashFor(ca.key),
    publicKey,
    signingKey: signer.signingKey,
    extensions,
  })
  const certPem = cert.toString('pem')
  return {certPem: `${certPem}\n`, cert: new X509Certificate(certPem), key}
}

function hashFor(key: KeyPair): {name: string; hash: string} {
  const alg = signingAlgorithm(key.privateKey)
  const hash = 'namedCurve' in alg && alg.namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256'
  return {name: alg.name, hash}
}
