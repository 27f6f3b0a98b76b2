/**
 * Client certificates through the certificates.k8s.io/v1 API, as the kubelet's TLS bootstrap
 * does it: make a key and a PKCS#10 request, POST a CertificateSigningRequest, poll until it is
 * approved and the signer has issued the certificate (or it is denied/failed, or time runs out).
 */
import {generateKeyPairSync, webcrypto} from 'node:crypto'
import {loadX509} from '../pki/x509.js'
import {KforgeError} from '../util/errors.js'
import type {KubeClient} from './client.js'
import {CertificateSigningRequests} from './resources.js'
import type {CertificateSigningRequest} from './types.js'
import {poll} from './wait.js'

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet'

export interface KeyAndRequest {
  keyPem: string
  csrPem: string
}

/** An ECDSA P-256 key (what the kubelet makes) and a CSR for subject CN/O. */
export async function makeClientCsr(
  commonName: string,
  organizations: readonly string[],
): Promise<KeyAndRequest> {
  const x509 = await loadX509()
  const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
  const keyPem = privateKey.export({format: 'pem', type: 'pkcs8'}).toString()
  const der = privateKey.export({format: 'der', type: 'pkcs8'})
  const alg = {name: 'ECDSA', namedCurve: 'P-256'}
  const priv = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign'])
  const jwk = await webcrypto.subtle.exportKey('jwk', priv)
  const pub = await webcrypto.subtle.importKey(
    'jwk',
    {kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y},
    alg,
    true,
    ['verify'],
  )
  const name: {O?: string[]; CN?: string[]}[] = []
  if (organizations.length > 0) name.push({O: [...organizations]})
  name.push({CN: [commonName]})
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: name as Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]['name'],
    keys: {privateKey: priv, publicKey: pub} as Parameters<
      typeof x509.Pkcs10CertificateRequestGenerator.create
    >[0]['keys'],
    signingAlgorithm: {name: 'ECDSA', hash: 'SHA-256'},
  })
  return {keyPem, csrPem: csr.toString('pem')}
}

export interface RequestCertificateOptions {
  /** CSR object name. Default: generateName `csr-` */
  name?: string
  signerName: string
  usages: string[]
  /** Poll period. Default: 1 s (kubeadm's retry interval) */
  intervalMs?: number
  /** Default: 5 min */
  timeoutMs?: number
}

function conditionOf(csr: CertificateSigningRequest, type: string) {
  return csr.status?.conditions?.find((c) => c.type === type && c.status === 'True')
}

/** POST the CSR and wait for its certificate; returns the PEM certificate. */
export async function requestCertificate(
  client: KubeClient,
  csrPem: string,
  options: RequestCertificateOptions,
): Promise<{certPem: string; name: string}> {
  const created = await client.create(CertificateSigningRequests, {
    metadata: options.name ? {name: options.name} : {generateName: 'csr-'},
    spec: {
      request: Buffer.from(csrPem).toString('base64'),
      signerName: options.signerName,
      usages: options.usages,
    },
  })
  const name = created.metadata.name!
  const timeoutMs = options.timeoutMs ?? 5 * 60_000
  const certPem = await poll(
    async () => {
      const csr = await client.get(CertificateSigningRequests, name)
      const denied = conditionOf(csr, 'Denied') ?? conditionOf(csr, 'Failed')
      if (denied) {
        throw new Fatal(
          `CertificateSigningRequest ${name} was ${denied.type === 'Denied' ? 'denied' : 'failed by the signer'}: ${denied.reason ?? ''} ${denied.message ?? ''}`.trim(),
        )
      }
      if (csr.status?.certificate) return Buffer.from(csr.status.certificate, 'base64').toString('utf8')
      return undefined
    },
    {
      intervalMs: options.intervalMs ?? 1000,
      timeoutMs,
      what: `CertificateSigningRequest ${name} to be approved and signed`,
      stopOn: (e) => e instanceof Fatal,
    },
  ).catch(async (err) => {
    if (err instanceof Fatal) throw new KforgeError(err.message)
    const csr = await client.find(CertificateSigningRequests, name).catch(() => undefined)
    const state =
      csr && conditionOf(csr, 'Approved') ? 'approved but no certificate was issued' : 'not approved'
    throw new KforgeError(`${(err as Error).message} (${state}; signer ${options.signerName})`)
  })
  return {certPem, name}
}

class Fatal extends Error {}
