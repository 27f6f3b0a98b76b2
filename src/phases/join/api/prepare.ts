/**
 * control-plane-prepare (join --control-plane): download-certs (the CAs and service-account keys
 * from kubeadm-certs, decrypted with the certificate key), then certs, kubeconfig and
 * control-plane — the init phases themselves, run with the cluster's ClusterConfiguration and this
 * node's endpoint, so the joining node's PKI and manifests are made exactly like the first one's.
 */
import {access, mkdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {
  CERTS_TO_TRANSFER,
  decryptBytes,
  KUBEADM_CERTS_SECRET,
  parseCertificateKey,
  secretKeyOf,
} from '../../../kube/certificate-key.js'
import {KubeApiError} from '../../../kube/errors.js'
import {Secrets} from '../../../kube/resources.js'
import {CERT_MODE, KEY_MODE, writeFileAtomic} from '../../../pki/files.js'
import {KforgeError} from '../../../util/errors.js'
import {certsPhase} from '../../init/certs.js'
import {controlPlanePhase} from '../../init/control-plane.js'
import {kubeconfigPhase} from '../../init/kubeconfig.js'
import {type Phase, Workflow} from '../../workflow.js'
import {BOOTSTRAP_KUBELET_CONF, type JoinData} from '../data.js'
import {bootstrapClient, explainBootstrapError} from '../tls-bootstrap.js'
import {controlPlaneInitData} from './cluster-config.js'

const isControlPlane = (d: JoinData) => d.config.controlPlane !== undefined

export async function downloadCerts(d: JoinData, log: (m: string) => void): Promise<string[]> {
  const keyHex = d.config.controlPlane?.certificateKey
  if (!keyHex) {
    // kubeadm: no certificate key means the shared certificates were distributed by hand (kforge's
    // AWS boot writes them from the state store); they must be there already
    await requireSharedCertificates(d)
    log('[download-certs] Skipping phase: no certificate key; the shared certificates are on disk')
    return []
  }
  const key = parseCertificateKey(keyHex, 'controlPlane.certificateKey')
  const {client} = await bootstrapClient(d.rootDir, BOOTSTRAP_KUBELET_CONF)
  let data: Record<string, string>
  try {
    const secret = await client.find(Secrets, KUBEADM_CERTS_SECRET, 'kube-system')
    if (!secret) {
      throw new KforgeError(
        `Secret "${KUBEADM_CERTS_SECRET}" was not found in the "kube-system" Namespace. This Secret might have expired. Run \`kforge init phase upload-certs --upload-certs\` on a control plane to generate a new one`,
      )
    }
    data = secret.data ?? {}
  } catch (err) {
    if (err instanceof KubeApiError) explainBootstrapError(err, 'download-certs')
    throw err
  } finally {
    client.close()
  }
  // decrypt everything before writing anything: a wrong key leaves the node untouched
  const files: {file: string; content: Buffer}[] = []
  for (const file of CERTS_TO_TRANSFER) {
    const value = data[secretKeyOf(file)]
    if (value === undefined)
      throw new KforgeError(
        `the Secret does not include the required certificate or key - name: ${secretKeyOf(file)}`,
      )
    if (value === '') continue
    files.push({file, content: decryptBytes(Buffer.from(value, 'base64'), key)})
  }
  const dir = join(d.rootDir, '/etc/kubernetes/pki')
  for (const f of files) {
    const path = join(dir, f.file)
    await mkdir(dirname(path), {recursive: true})
    await writeFileAtomic(path, f.content, f.file.endsWith('.key') ? KEY_MODE : CERT_MODE)
  }
  log(`[download-certs] Saved ${files.map((f) => f.file).join(', ')}`)
  return files.map((f) => f.file)
}

/** kubeadm's check for a control-plane join without a certificate key. */
async function requireSharedCertificates(d: JoinData): Promise<void> {
  const dir = join(d.rootDir, '/etc/kubernetes/pki')
  const missing: string[] = []
  for (const file of CERTS_TO_TRANSFER) {
    // the external-etcd client pair is shared only when the cluster uses external etcd
    if (file.startsWith('apiserver-etcd-client')) continue
    try {
      await access(join(dir, file))
    } catch {
      missing.push(`/etc/kubernetes/pki/${file}`)
    }
  }
  if (missing.length > 0) {
    throw new KforgeError(
      `download-certs: no certificate key was given and the certificates shared among control-plane nodes are missing: ${missing.join(', ')}. Pass --certificate-key (printed by \`kforge init --upload-certs\`) or JoinConfiguration.controlPlane.certificateKey, or copy them from a control-plane node`,
    )
  }
}

/** Run init phases for this joining node (same code path as `kforge init`). */
function viaInit(
  name: string,
  short: string,
  phase: Phase<import('../../init/data.js').InitData>,
  skip: string[] = [],
): Phase<JoinData> {
  return {
    name,
    short,
    run: async (d, ctx) => {
      const initData = await controlPlaneInitData(d, ctx.dryRun)
      await new Workflow('join-control-plane', [phase]).run(() => initData, {
        skip,
        dryRun: ctx.dryRun,
        logger: ctx.logger,
      })
    },
  }
}

export const controlPlanePreparePhase: Phase<JoinData> = {
  name: 'control-plane-prepare',
  short: 'Prepare the machine for serving a control plane',
  runIf: isControlPlane,
  phases: [
    {
      name: 'download-certs',
      short: 'Download certificates shared among control-plane nodes from the kubeadm-certs Secret',
      run: async (d, ctx) => {
        if (ctx.dryRun)
          return ctx.logger.info('[download-certs] dry run: would download and decrypt kubeadm-certs')
        await downloadCerts(d, (m) => ctx.logger.info(m))
      },
    },
    viaInit('certs', 'Generate the certificates for the new control plane components', certsPhase),
    viaInit('kubeconfig', 'Generate the kubeconfig for the new control plane components', kubeconfigPhase, [
      'kubeconfig/super-admin',
      'kubeconfig/kubelet',
    ]),
    viaInit(
      'control-plane',
      'Generate the manifests for the new control plane components',
      controlPlanePhase,
    ),
  ],
}
