/**
 * Putting the pod identity webhook on a control-plane node: its serving certificate and its own
 * API identity, both signed here by the cluster CA, its systemd unit, and then (the API server
 * calls it from that moment) its RBAC and its registration. The webhook process itself never
 * reads the CA key nor admin.conf: it holds a certificate for 127.0.0.1 and a client
 * certificate whose only right is `get serviceaccounts`.
 *
 * Certificates are issued anew on every install (each boot's init or join), valid a year, as
 * kubeadm's leaves are.
 */
import {execFile} from 'node:child_process'
import {Agent, request} from 'node:https'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {KubeClient} from '../kube/client.js'
import {applyAll} from '../kube/manifests/apply.js'
import {
  podIdentityRbac,
  podIdentityWebhookConfiguration,
  WEBHOOK_USER,
} from '../kube/manifests/pod-identity-webhook.js'
import {type CertAndKey, createSignedCert} from '../pki/cert.js'
import {CERT_MODE, KEY_MODE, loadPair, pairPaths, writeFileAtomic, writePair} from '../pki/files.js'
import {generateKey, privateKeyPem} from '../pki/keys.js'
import {buildKubeconfig, serializeKubeconfig} from '../pki/kubeconfig.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {POD_IDENTITY_PORT} from './server.js'

export const WEBHOOK_UNIT = 'kforge-pod-identity-webhook.service'
export const WEBHOOK_UNIT_PATH = `/etc/systemd/system/${WEBHOOK_UNIT}`
export const WEBHOOK_KUBECONFIG = '/etc/kubernetes/pod-identity-webhook.conf'
export const WEBHOOK_PKI_DIR = '/etc/kubernetes/pki'
export const WEBHOOK_PAIR = 'pod-identity-webhook'

export interface WebhookInstallOptions {
  /** The cluster's region: AWS_REGION and AWS_DEFAULT_REGION in pods. */
  region: string
  /** Default: 3990 */
  port?: number
  agent?: string
}

/** One word of an ExecStart line (the region is validated by the spec; this keeps it one word). */
function word(value: string): string {
  if (!/^[A-Za-z0-9_./:=@+-]+$/.test(value))
    throw new KforgeError(`pod identity webhook: "${value}" is not one word`)
  return value
}

export function webhookUnit(o: WebhookInstallOptions): string {
  const agent = o.agent ?? '/usr/local/bin/kforge'
  const port = o.port ?? POD_IDENTITY_PORT
  return `# kforge: gives pods the IAM role their ServiceAccount names (eks.amazonaws.com/role-arn)
[Unit]
Description=kforge pod identity webhook
After=kubelet.service

[Service]
ExecStart=${word(agent)} pod-identity serve --region ${word(o.region)} --port ${port} --sts-regional-endpoints
Restart=always
RestartSec=5
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
`
}

async function clusterCa(rootDir: string): Promise<CertAndKey> {
  const ca = await loadPair(pairPaths(join(rootDir, WEBHOOK_PKI_DIR), 'ca'))
  if (!ca?.key)
    throw new KforgeError(
      'pod identity webhook: the cluster CA (etc/kubernetes/pki/ca.crt and ca.key) is not on this node',
    )
  return {certPem: ca.certPem, cert: ca.cert, key: ca.key}
}

/** The serving pair and the webhook's kubeconfig, for the API server at `server`. */
export async function writeWebhookCredentials(rootDir: string, server: string): Promise<CertAndKey> {
  const ca = await clusterCa(rootDir)
  const [servingKey, clientKey] = await Promise.all([generateKey('ECDSA-P256'), generateKey('ECDSA-P256')])
  const serving = await createSignedCert(
    {
      subject: {commonName: 'kforge-pod-identity-webhook'},
      usages: ['server'],
      altNames: {dnsNames: ['localhost'], ips: ['127.0.0.1']},
    },
    servingKey,
    ca,
  )
  await writePair(pairPaths(join(rootDir, WEBHOOK_PKI_DIR), WEBHOOK_PAIR), serving)
  const client = await createSignedCert(
    {subject: {commonName: WEBHOOK_USER}, usages: ['client']},
    clientKey,
    ca,
  )
  const kubeconfig = buildKubeconfig({
    server,
    caCertPem: ca.certPem,
    userName: WEBHOOK_USER,
    auth: {clientCertPem: client.certPem, clientKeyPem: privateKeyPem(clientKey.privateKey)},
  })
  await writeFileAtomic(join(rootDir, WEBHOOK_KUBECONFIG), serializeKubeconfig(kubeconfig), KEY_MODE)
  return ca
}

/** Poll the local webhook's /healthz (trusting the cluster CA) until it answers or time runs out. */
export async function waitHealthy(caPem: string, port: number, timeoutMs: number): Promise<boolean> {
  const agent = new Agent({ca: caPem})
  const deadline = Date.now() + timeoutMs
  try {
    while (Date.now() < deadline) {
      const ok = await new Promise<boolean>((resolve) => {
        const req = request(`https://127.0.0.1:${port}/healthz`, {agent, timeout: 1000}, (res) => {
          res.resume()
          resolve(res.statusCode === 200)
        })
        req.on('error', () => resolve(false))
        req.on('timeout', () => req.destroy())
        req.end()
      })
      if (ok) return true
      await new Promise((r) => setTimeout(r, 250))
    }
    return false
  } finally {
    agent.destroy()
  }
}

/**
 * Write everything under rootDir; on the real root start the unit and wait for it, then register
 * it with `admin`. Off the real root nothing is started: the registration still lands, and the
 * API server, finding no webhook, admits pods unchanged (failurePolicy Ignore).
 */
export async function installPodIdentityWebhook(
  rootDir: string,
  o: WebhookInstallOptions & {server: string},
  admin: KubeClient,
  logger: Logger,
): Promise<void> {
  const port = o.port ?? POD_IDENTITY_PORT
  const ca = await writeWebhookCredentials(rootDir, o.server)
  await writeFileAtomic(join(rootDir, WEBHOOK_UNIT_PATH), webhookUnit(o), CERT_MODE)
  logger.info(
    `[pod-identity-webhook] wrote ${WEBHOOK_UNIT_PATH}, ${WEBHOOK_KUBECONFIG} and its serving certificate`,
  )
  if (rootDir === '/') {
    const exec = promisify(execFile)
    await exec('systemctl', ['daemon-reload'])
    await exec('systemctl', ['enable', '--now', WEBHOOK_UNIT])
    if (!(await waitHealthy(ca.certPem, port, 30_000)))
      logger.warn(
        `[pod-identity-webhook] ${WEBHOOK_UNIT} is not answering yet; pods created until it does get no role`,
      )
  }
  await applyAll(admin, [...podIdentityRbac(), podIdentityWebhookConfiguration(ca.certPem, port)], (l) =>
    logger.debug(`[pod-identity-webhook] ${l}`),
  )
  logger.info('[pod-identity-webhook] registered MutatingWebhookConfiguration kforge-pod-identity-webhook')
}
