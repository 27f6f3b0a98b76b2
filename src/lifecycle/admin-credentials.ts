/**
 * Short-lived admin credentials for `export kubeconfig --admin`: a client certificate issued on
 * the spot from the cluster CA kept in the state store (`<cluster>/pki/ca.crt`, `ca.key`), valid
 * for 18 hours by default as kops's are. The identity is kubeadm's admin.conf one —
 * CN `kubernetes-admin`, O `kubeadm:cluster-admins` (bound to cluster-admin by `kforge init`) —
 * not `system:masters`, so the credential can be revoked by removing that binding.
 */
import {X509Certificate} from 'node:crypto'
import {type CertAndKey, createSignedCert} from '../pki/cert.js'
import {
  algorithmOf,
  DEFAULT_ENCRYPTION_ALGORITHM,
  generateKey,
  parsePrivateKey,
  privateKeyPem,
  samePublicKey,
} from '../pki/keys.js'
import {CLUSTER_ADMINS_GROUP} from '../pki/kubeadm-certs.js'
import type {StateStore} from '../state/store.js'
import {KforgeError} from '../util/errors.js'
import {registerSecret} from '../util/redact.js'

export const ADMIN_USER = 'kubernetes-admin'
export const ADMIN_GROUP = CLUSTER_ADMINS_GROUP
export const DEFAULT_ADMIN_TTL_MS = 18 * 3600 * 1000

export function caKeys(cluster: string): {cert: string; key: string} {
  return {cert: `${cluster}/pki/ca.crt`, key: `${cluster}/pki/ca.key`}
}

export interface AdminCredentials {
  caCertPem: string
  certPem: string
  keyPem: string
  notAfter: Date
}

/** The cluster CA from the state store, checked to be a certificate and its matching key. */
export async function loadClusterCa(store: StateStore, cluster: string): Promise<CertAndKey> {
  const keys = caKeys(cluster)
  const [cert, key] = await Promise.all([store.read(keys.cert), store.read(keys.key)])
  if (!cert || !key) {
    const missing = [!cert ? keys.cert : undefined, !key ? keys.key : undefined].filter(Boolean).join(' and ')
    throw new KforgeError(
      `state store ${store.location}: ${missing} not found; the cluster's PKI is made by "kforge update cluster ${cluster} --yes"`,
    )
  }
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch (err) {
    throw new KforgeError(
      `state store ${store.location}: ${keys.cert} is not a PEM certificate (${(err as Error).message})`,
    )
  }
  const pair = parsePrivateKey(key, `${store.location}/${keys.key}`)
  if (!samePublicKey(x509.publicKey, pair.publicKey)) {
    throw new KforgeError(`state store ${store.location}: ${keys.key} is not the key of ${keys.cert}`)
  }
  return {certPem: cert.toString('utf8'), cert: x509, key: pair}
}

/** A fresh admin client certificate, `ttlMs` long (default 18h), signed by the cluster CA. */
export async function adminCredentials(
  store: StateStore,
  cluster: string,
  options: {ttlMs?: number; now?: Date} = {},
): Promise<AdminCredentials> {
  const ca = await loadClusterCa(store, cluster)
  const ttlMs = options.ttlMs ?? DEFAULT_ADMIN_TTL_MS
  if (!(ttlMs > 0)) throw new KforgeError(`--admin: the duration must be positive`)
  const key = await generateKey(algorithmOf(ca.key.privateKey) ?? DEFAULT_ENCRYPTION_ALGORITHM)
  const issued = await createSignedCert(
    {
      subject: {commonName: ADMIN_USER, organizations: [ADMIN_GROUP]},
      usages: ['client'],
      validityMs: ttlMs,
      ...(options.now ? {now: options.now} : {}),
    },
    key,
    ca,
  )
  const keyPem = privateKeyPem(key.privateKey)
  registerSecret(keyPem)
  return {
    caCertPem: ca.certPem,
    certPem: issued.certPem,
    keyPem,
    notAfter: new Date(issued.cert.validTo),
  }
}
