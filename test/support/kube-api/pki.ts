/**
 * Certificates for the API double: its own CA when a test does not bring the cluster's, serving
 * certificates, client certificates (an admin in system:masters), and signing kubelet CSRs with
 * whatever CA key the controller-manager was started with. Test code only.
 */
import {createPrivateKey, webcrypto} from 'node:crypto'

type CryptoKey = webcrypto.CryptoKey
type CryptoKeyPair = webcrypto.CryptoKeyPair
type Algorithm = webcrypto.Algorithm
type EcdsaParams = webcrypto.EcdsaParams

import type * as X from '@peculiar/x509'
import {loadX509} from '../../../src/pki/x509.js'

// kforge's loader installs the metadata polyfill the library needs and sets Node's webcrypto.
const x509 = await loadX509()

export interface Signer {
  cert: X.X509Certificate
  certPem: string
  key: CryptoKey
  keyPem: string
}

const EC = {name: 'ECDSA', namedCurve: 'P-256'} as const
const EC_SIGN = {name: 'ECDSA', hash: 'SHA-256'} as const

export async function newKeyPair(): Promise<{keys: CryptoKeyPair; keyPem: string}> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`
  return {keys, keyPem}
}

/** A PEM private key (PKCS#1, SEC1 or PKCS#8; RSA or EC) as a WebCrypto signing key. */
export async function importSigningKey(
  pem: string | Buffer,
): Promise<{key: CryptoKey; algorithm: Algorithm | EcdsaParams}> {
  const keyObject = createPrivateKey(pem)
  const der = keyObject.export({format: 'der', type: 'pkcs8'})
  if (keyObject.asymmetricKeyType === 'rsa') {
    const alg = {name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256'}
    return {key: await webcrypto.subtle.importKey('pkcs8', der, alg, false, ['sign']), algorithm: alg}
  }
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256'
    const key = await webcrypto.subtle.importKey('pkcs8', der, {name: 'ECDSA', namedCurve: curve}, false, [
      'sign',
    ])
    return {key, algorithm: {name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256'} as EcdsaParams}
  }
  throw new Error(`unsupported CA key type ${keyObject.asymmetricKeyType}`)
}

function backdated(): Date {
  return new Date(Date.now() - 5 * 60_000)
}

export async function makeCa(commonName = 'kubernetes'): Promise<Signer> {
  const {keys, keyPem} = await newKeyPair()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{CN: [commonName]}],
    keys,
    signingAlgorithm: EC_SIGN,
    notBefore: backdated(),
    notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return {cert, certPem: cert.toString('pem'), key: keys.privateKey, keyPem}
}

/** A CA from PEM files (the cluster's ca.crt/ca.key). */
export async function loadCa(
  certPem: string | Buffer,
  keyPem: string | Buffer,
): Promise<Signer & {algorithm: Algorithm | EcdsaParams}> {
  const cert = new x509.X509Certificate(certPem.toString())
  const {key, algorithm} = await importSigningKey(keyPem)
  return {cert, certPem: cert.toString('pem'), key, keyPem: keyPem.toString(), algorithm}
}

export interface IssueOptions {
  commonName: string
  organizations?: string[]
  dnsNames?: string[]
  ips?: string[]
  usage: 'server' | 'client' | 'both'
  /** Default: one year */
  validityMs?: number
  publicKey?: CryptoKey | X.PublicKey
  notBefore?: Date
}

export async function issue(
  ca: {cert: X.X509Certificate; key: CryptoKey; algorithm?: Algorithm | EcdsaParams},
  options: IssueOptions,
): Promise<{cert: X.X509Certificate; certPem: string; keyPem?: string}> {
  let keyPem: string | undefined
  let publicKey = options.publicKey
  if (!publicKey) {
    const pair = await newKeyPair()
    publicKey = pair.keys.publicKey
    keyPem = pair.keyPem
  }
  const name: X.JsonName = [{CN: [options.commonName]}]
  if (options.organizations?.length) name.unshift({O: options.organizations})
  const ekus: string[] = []
  if (options.usage !== 'client') ekus.push(x509.ExtendedKeyUsage.serverAuth)
  if (options.usage !== 'server') ekus.push(x509.ExtendedKeyUsage.clientAuth)
  const extensions: X.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(ekus),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
  ]
  const san = [
    ...(options.dnsNames ?? []).map((value) => ({type: 'dns' as const, value})),
    ...(options.ips ?? []).map((value) => ({type: 'ip' as const, value})),
  ]
  if (san.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(san))
  const notBefore = options.notBefore ?? backdated()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    subject: name,
    issuer: ca.cert.subjectName,
    publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm ?? EC_SIGN,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (options.validityMs ?? 365 * 86_400_000)),
    extensions,
  })
  return keyPem === undefined
    ? {cert, certPem: cert.toString('pem')}
    : {cert, certPem: cert.toString('pem'), keyPem}
}

export type {X}
export {x509}
