/**
 * The provisioner's secrets step: the cluster-wide material every control-plane instance shares —
 * the three CAs of kubeadm's layout, the service-account key pair and the bootstrap token nodes
 * join with — made once and kept in the state store (`<cluster>/pki/...`, secrets 0600). Every
 * later run reuses it, so the rendered user-data (and so the launch templates) stay the same.
 *
 * Leaf certificates are not made here: each control-plane node issues its own from the shared
 * CAs during `kforge init` / `kforge join --control-plane`, with its own names and addresses.
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import {BOOTSTRAP_TOKEN} from '../../assets/catalog.js'
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
import {registerSecret} from '../../util/redact.js'

const CAS: readonly CaName[] = ['ca', 'front-proxy-ca', 'etcd/ca']

/** What `ensureClusterSecrets` did, for the progress line. */
export interface SecretsReport {
  created: string[]
  reused: string[]
}

/**
 * Read the cluster's material from the store, creating what is missing. A half-present pair
 * (a certificate without its key) is refused rather than silently replaced: replacing a CA
 * would orphan every node that trusts the old one.
 */
export async function ensureClusterSecrets(
  store: StateStore,
  cluster: Cluster,
  options: {dryRun?: boolean} = {},
): Promise<{material: ClusterMaterial; report: SecretsReport}> {
  const material: Record<string, Buffer> = {}
  const report: SecretsReport = {created: [], reused: []}
  const read = (name: string) => store.read(materialKey(cluster.name, name))
  const write = async (name: string, body: string, secret: boolean) => {
    if (!options.dryRun) await store.write(materialKey(cluster.name, name), body, {secret})
    material[name] = Buffer.from(body)
  }

  await Promise.all(
    CAS.map(async (ca) => {
      const [cert, key] = await Promise.all([read(`${ca}.crt`), read(`${ca}.key`)])
      if (cert && key) {
        parsePrivateKey(key, `${store.location}/${materialKey(cluster.name, `${ca}.key`)}`)
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
    material['sa.key'] = saKey
    material['sa.pub'] = saPub
    report.reused.push('sa')
  } else {
    const pair = await generateKey(DEFAULT_ENCRYPTION_ALGORITHM)
    await write('sa.key', privateKeyPem(pair.privateKey), true)
    await write('sa.pub', publicKeyPem(pair.publicKey), false)
    report.created.push('sa')
  }

  const token = await read(BOOTSTRAP_TOKEN)
  if (token) {
    material[BOOTSTRAP_TOKEN] = token
    report.reused.push(BOOTSTRAP_TOKEN)
  } else {
    const {formatToken, generateToken} = await import('../../bootstrap/token.js')
    const value = formatToken(generateToken())
    await write(BOOTSTRAP_TOKEN, value, true)
    report.created.push(BOOTSTRAP_TOKEN)
  }
  registerSecret(material[BOOTSTRAP_TOKEN]!.toString())
  return {material, report}
}
