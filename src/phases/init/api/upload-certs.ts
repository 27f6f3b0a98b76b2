/**
 * upload-certs: the cluster CAs and service-account keys, AES-GCM-encrypted with the certificate
 * key, in Secret kube-system/kubeadm-certs, owned by a key-less 2-hour bootstrap token Secret so
 * the garbage collector removes it when the token expires (kubeadm's copycerts). Runs when a
 * certificate key is configured or --upload-certs asked for one.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {tokenToSecret} from '../../../bootstrap/secret.js'
import {generateToken} from '../../../bootstrap/token.js'
import {createOrUpdate} from '../../../kube/apply.js'
import {
  CERT_TOKEN_TTL_MS,
  CERTS_TO_TRANSFER,
  createCertificateKey,
  encryptBytes,
  KUBEADM_CERTS_SECRET,
  parseCertificateKey,
  secretKeyOf,
} from '../../../kube/certificate-key.js'
import {applyAll} from '../../../kube/manifests/apply.js'
import {kubeadmCertsRbac} from '../../../kube/manifests/kubeadm-rbac.js'
import {Secrets} from '../../../kube/resources.js'
import type {Secret} from '../../../kube/types.js'
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'
import {adminClient} from './context.js'

/** Set by `kforge init --upload-certs` (kubeadm's flag); a configured certificateKey implies it. */
export type UploadCertsData = InitData & {uploadCerts?: boolean}

export async function encryptedCertData(d: InitData, key: Buffer): Promise<Record<string, string>> {
  const data: Record<string, string> = {}
  const dir = join(d.rootDir, d.cluster.certificatesDir)
  if (d.cluster.etcd.external) throw new Error('unreachable') // guarded by runIf
  for (const file of CERTS_TO_TRANSFER) {
    let content: Buffer | undefined
    try {
      content = await readFile(join(dir, file))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    data[secretKeyOf(file)] = content ? encryptBytes(content, key).toString('base64') : ''
  }
  return data
}

export const uploadCertsPhase: Phase<UploadCertsData> = {
  name: 'upload-certs',
  short: 'Upload certificates to kubeadm-certs',
  runIf: (d, ctx) => {
    const run = d.uploadCerts === true || d.init.certificateKey !== undefined
    if (!run)
      ctx.logger.info(
        '[upload-certs] Skipping phase: no certificate key configured (--upload-certs or InitConfiguration.certificateKey)',
      )
    if (run && d.cluster.etcd.external) {
      ctx.logger.warn(
        '[upload-certs] external etcd: its client certificates are not uploaded; copy them to joining control-plane nodes yourself',
      )
    }
    return run && !d.cluster.etcd.external
  },
  run: async (d, ctx) => {
    let keyHex = d.init.certificateKey
    if (!keyHex) {
      keyHex = createCertificateKey()
      d.init.certificateKey = keyHex
      // The joining control plane needs this key; like kubeadm, print it (stdout, not the log).
      d.out(`[upload-certs] Using certificate key:\n${keyHex}\n`)
    }
    const key = parseCertificateKey(keyHex, 'InitConfiguration.certificateKey')
    const data = await encryptedCertData(d, key)
    if (ctx.dryRun) {
      ctx.logger.info(
        `[upload-certs] dry run: would store ${Object.keys(data).join(', ')} in Secret kube-system/${KUBEADM_CERTS_SECRET}`,
      )
      return
    }
    ctx.logger.info(
      `[upload-certs] Storing the certificates in Secret "${KUBEADM_CERTS_SECRET}" in the "kube-system" Namespace`,
    )
    const client = await adminClient(d, ctx.logger)
    const token = await client.create(
      Secrets,
      tokenToSecret({
        token: generateToken(),
        description: 'Proxy for managing TTL for the kubeadm-certs secret',
        ttlMs: CERT_TOKEN_TTL_MS,
        usages: [],
      }) as Secret,
    )
    const secret: Secret = {
      metadata: {
        name: KUBEADM_CERTS_SECRET,
        namespace: 'kube-system',
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            name: token.metadata.name!,
            uid: token.metadata.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      type: 'Opaque',
      data,
    }
    await createOrUpdate(client, Secrets, secret)
    await applyAll(client, kubeadmCertsRbac(), (l) => ctx.logger.debug(`[upload-certs] ${l}`))
  },
}
