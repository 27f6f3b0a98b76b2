/**
 * The provisioner's secrets step: the cluster-wide material every control-plane instance shares —
 * the three CAs of kubeadm's layout and the service-account key pair — made once and kept in the
 * state store (`<cluster>/pki/...`, secrets 0600). Every later run reuses it, so the rendered
 * user-data (and so the launch templates) stay the same. No join token: instances obtain their
 * own, short-lived, from the node-identity service (docs/node-join-threat-model.md); a token an
 * older kforge stored (`<cluster>/secrets/bootstrap-token`) is deleted here.
 *
 * On an S3 store, once the cluster's KMS key exists, every secret is encrypted at rest under it
 * (SSE-KMS with that key): made so, or re-written so when it was stored before the key existed.
 * Reading `ca.key` then takes kms:Decrypt on the cluster's key, not only s3:GetObject.
 *
 * Leaf certificates are not made here: each control-plane node issues its own from the shared
 * CAs during `kforge init` / `kforge join --control-plane`, with its own names and addresses.
 */

import {X509Certificate} from 'node:crypto'
import type {Cluster} from '../../api/v1alpha1/types.js'
import {RETIRED_BOOTSTRAP_TOKEN} from '../../assets/catalog.js'
import {materialKey} from '../../assets/material.js'
import type {ClusterMaterial} from '../../assets/prepare.js'
import {createCA} from '../../pki/cert.js'
import {
  DEFAULT_ENCRYPTION_ALGORITHM,
  generateKey,
  parsePrivateKey,
  parsePublicKey,
  privateKeyPem,
  publicKeyPem,
  samePublicKey,
} from '../../pki/keys.js'
import {CA_SUBJECTS, type CaName} from '../../pki/kubeadm-certs.js'
import type {StateStore} from '../../state/store.js'
import {KforgeError} from '../../util/errors.js'

const CAS: readonly CaName[] = ['ca', 'front-proxy-ca', 'etcd/ca']

/** What `ensureClusterSecrets` did, for the progress line. */
export interface SecretsReport {
  created: string[]
  reused: string[]
  /** Secrets re-written under the cluster's KMS key (stored before the key existed). */
  resealed: string[]
  /** Objects deleted because nothing uses them any more (an older kforge's join token). */
  retired: string[]
}

export interface SecretsOptions {
  /** Compute, store nothing. */
  dryRun?: boolean
  /** The cluster KMS key's ARN, when it exists: secrets are kept encrypted under it at rest. */
  kmsKeyId?: string
}

/**
 * Read the cluster's material from the store, creating what is missing. A half-present pair
 * (a certificate without its key) is refused rather than silently replaced: replacing a CA
 * would orphan every node that trusts the old one.
 */
export async function ensureClusterSecrets(
  store: StateStore,
  cluster: Cluster,
  options: SecretsOptions = {},
): Promise<{material: ClusterMaterial; report: SecretsReport}> {
  const material: Record<string, Buffer> = {}
  const report: SecretsReport = {created: [], reused: [], resealed: [], retired: []}
  const {kmsKeyId} = options
  const where = (name: string) => `${store.location}/${materialKey(cluster.name, name)}`
  const read = (name: string) => store.read(materialKey(cluster.name, name))
  const write = async (name: string, body: string, secret: boolean) => {
    if (!options.dryRun) {
      await store.write(materialKey(cluster.name, name), body, {
        secret,
        ...(secret && kmsKeyId ? {kmsKeyId} : {}),
      })
    }
    material[name] = Buffer.from(body)
  }
  /** A reused secret stays, but under the cluster's key at rest. */
  const protect = async (name: string, body: Buffer) => {
    if (options.dryRun || !kmsKeyId || !store.encryptionKey) return
    const key = materialKey(cluster.name, name)
    if ((await store.encryptionKey(key)) === kmsKeyId) return
    await store.write(key, body, {secret: true, kmsKeyId})
    report.resealed.push(name)
  }

  await Promise.all(
    CAS.map(async (ca) => {
      const [cert, key] = await Promise.all([read(`${ca}.crt`), read(`${ca}.key`)])
      if (cert && key) {
        const pair = parsePrivateKey(key, where(`${ca}.key`))
        let certKey: import('node:crypto').KeyObject
        try {
          certKey = new X509Certificate(cert).publicKey
        } catch (err) {
          throw new KforgeError(`${where(`${ca}.crt`)}: not a PEM certificate (${(err as Error).message})`)
        }
        // A CA whose key is another's would sign certificates nobody trusts.
        if (!samePublicKey(certKey, pair.publicKey)) {
          throw new KforgeError(
            `state store ${store.location}: ${materialKey(cluster.name, `${ca}.crt`)} does not match ${ca}.key; restore the pair that belongs together`,
          )
        }
        await protect(`${ca}.key`, key)
        material[`${ca}.crt`] = cert
        material[`${ca}.key`] = key
        report.reused.push(ca)
        return
      }
      if (cert || key) {
        const missing = cert ? `${ca}.key` : `${ca}.crt`
        throw new KforgeError(
          `state store ${store.location}: ${materialKey(cluster.name, missing)} is missing while its pair exists; restore it or remove both`,
        )
      }
      const made = await createCA({subject: CA_SUBJECTS[ca]}, await generateKey(DEFAULT_ENCRYPTION_ALGORITHM))
      await write(`${ca}.key`, privateKeyPem(made.key.privateKey), true)
      await write(`${ca}.crt`, made.certPem, false)
      report.created.push(ca)
    }),
  )

  const [saKey, saPub] = await Promise.all([read('sa.key'), read('sa.pub')])
  if (saKey && saPub) {
    const pair = parsePrivateKey(saKey, materialKey(cluster.name, 'sa.key'))
    if (!samePublicKey(parsePublicKey(saPub, materialKey(cluster.name, 'sa.pub')), pair.publicKey)) {
      throw new KforgeError(
        `state store ${store.location}: ${materialKey(cluster.name, 'sa.pub')} does not match sa.key`,
      )
    }
    await protect('sa.key', saKey)
    material['sa.key'] = saKey
    material['sa.pub'] = saPub
    report.reused.push('sa')
  } else {
    const pair = await generateKey(DEFAULT_ENCRYPTION_ALGORITHM)
    await write('sa.key', privateKeyPem(pair.privateKey), true)
    await write('sa.pub', publicKeyPem(pair.publicKey), false)
    report.created.push('sa')
  }

  // A join token that never expires, left by a kforge from before node identity: nothing reads it.
  const retired = `${cluster.name}/${RETIRED_BOOTSTRAP_TOKEN}`
  if (!options.dryRun && (await store.read(retired)) !== undefined) {
    await store.delete(retired)
    report.retired.push(retired)
  }
  return {material, report}
}
