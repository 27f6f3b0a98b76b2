/**
 * The provisioner's secrets step: the cluster-wide material every control-plane instance shares —
 * the three CAs of kubeadm's layout, the service-account key pair and the bootstrap token nodes
 * join with — made once and kept in the state store (`<cluster>/pki/...`, secrets 0600). Every
 * later run reuses it, so the rendered user-data (and so the launch templates) stay the same.
 *
 * Leaf certificates are not made here: each control-plane node issues its own from the shared
 * CAs during `kforge init` / `kforge join --control-plane`, with its own names and addresses.
 */
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
import type {Cluster} from '../../spec/types.js'
import type {StateStore} from '../../state/store.js'
import {KforgeError} from '../../util/errors.js'
import {registerSecret} from '../../util/redact.js'

/** Plaintext material by asset catalogue name (src/assets/catalog.ts). */
export type ClusterMaterial = Record<string, Buffer>

const CAS: readonly CaName[] = ['ca', 'front-proxy-ca', 'etcd/ca']
export const BOOTSTRAP_TOKEN_KEY = 'bootstrap-token'

export function pkiKey(cluster: string, name: string): string {
  return `${cluster}/pki/${name}`
}

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
  const material: ClusterMaterial = {}
  const report: SecretsReport = {created: [], reused: []}
  const read = (name: string) => store.read(pkiKey(cluster.name, name))
  const write = async (name: string, body: string, secret: boolean) => {
    if (!options.dryRun) await store.write(pkiKey(cluster.name, name), body, {secret})
    material[name] = Buffer.from(body)
  }

  await Promise.all(
    CAS.map(async (ca) => {
      const [cert, key] = await Promise.all([read(`${ca}.crt`), read(`${ca}.key`)])
      if (cert && key) {
        parsePrivateKey(key, `${store.location}/${pkiKey(cluster.name, `${ca}.key`)}`)
        material[`${ca}.crt`] = cert
        material[`${ca}.key`] = key
        report.reused.push(ca)
        return
      }
      if (cert || key) {
        const missing = cert ? `${ca}.key` : `${ca}.crt`
        throw new KforgeError(
          `state store ${store.location}: ${pkiKey(cluster.name, missing)} is missing while its pair exists; restore it or remove both`,
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
    const pair = parsePrivateKey(saKey, pkiKey(cluster.name, 'sa.key'))
    if (!samePublicKey(parsePublicKey(saPub, pkiKey(cluster.name, 'sa.pub')), pair.publicKey)) {
      throw new KforgeError(
        `state store ${store.location}: ${pkiKey(cluster.name, 'sa.pub')} does not match sa.key`,
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

  const token = await store.read(`${cluster.name}/secrets/${BOOTSTRAP_TOKEN_KEY}`)
  if (token) {
    material[BOOTSTRAP_TOKEN_KEY] = token
    report.reused.push(BOOTSTRAP_TOKEN_KEY)
  } else {
    const {formatToken, generateToken} = await import('../../bootstrap/token.js')
    const value = formatToken(generateToken())
    if (!options.dryRun)
      await store.write(`${cluster.name}/secrets/${BOOTSTRAP_TOKEN_KEY}`, value, {secret: true})
    material[BOOTSTRAP_TOKEN_KEY] = Buffer.from(value)
    report.created.push(BOOTSTRAP_TOKEN_KEY)
  }
  registerSecret(material[BOOTSTRAP_TOKEN_KEY]!.toString())
  return {material, report}
}
