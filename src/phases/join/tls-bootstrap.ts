/**
 * The kubelet's TLS bootstrap, done by kforge: with the bootstrap token from
 * bootstrap-kubelet.conf, request a client certificate for `system:node:<name>` / `system:nodes`
 * from signer kubernetes.io/kube-apiserver-client-kubelet, wait (1 s retries, bounded) until it is
 * approved and issued, then write /var/lib/kubelet/pki/kubelet-client-current.pem and
 * /etc/kubernetes/kubelet.conf pointing at it. Nothing is written unless the certificate arrived,
 * and kubelet.conf appears atomically.
 */
import {mkdir, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {stringify} from 'yaml'
import {KubeClient} from '../../kube/client.js'
import {KUBELET_CLIENT_SIGNER, makeClientCsr, requestCertificate} from '../../kube/csr.js'
import {isForbidden, isUnauthorized, KubeApiError} from '../../kube/errors.js'
import {type KubeCredentials, loadKubeconfig} from '../../kube/kubeconfig.js'
import {KEY_MODE, writeFileAtomic} from '../../pki/files.js'
import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'

export const KUBELET_CONF = '/etc/kubernetes/kubelet.conf'
export const KUBELET_CLIENT_CURRENT = '/var/lib/kubelet/pki/kubelet-client-current.pem'

export interface TlsBootstrapOptions {
  rootDir: string
  nodeName: string
  /** bootstrap-kubelet.conf under the root dir */
  bootstrapKubeconfig: string
  timeoutMs: number
  intervalMs: number
  logger: Logger
  /** Where the kubelet talks once bootstrapped; default: the server it bootstrapped through. */
  kubeletServer?: string
}

/** kubelet.conf as the kubelet writes it after bootstrap: the rotating PEM file, not embedded data. */
export function kubeletKubeconfig(server: string, caPem: Buffer): string {
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {name: 'default-cluster', cluster: {'certificate-authority-data': caPem.toString('base64'), server}},
      ],
      contexts: [
        {
          name: 'default-context',
          context: {cluster: 'default-cluster', namespace: 'default', user: 'default-auth'},
        },
      ],
      'current-context': 'default-context',
      preferences: {},
      users: [
        {
          name: 'default-auth',
          user: {'client-certificate': KUBELET_CLIENT_CURRENT, 'client-key': KUBELET_CLIENT_CURRENT},
        },
      ],
    },
    {lineWidth: 0},
  )
}

export async function bootstrapClient(
  rootDir: string,
  file: string,
): Promise<{client: KubeClient; creds: KubeCredentials}> {
  const creds = await loadKubeconfig(join(rootDir, file), {rootDir})
  if (!creds.token)
    throw new KforgeError(`${file}: no bootstrap token in its user; run the discovery phase first`)
  return {client: new KubeClient(creds), creds}
}

/** Turn API refusals into what the user must fix. */
export function explainBootstrapError(err: unknown, what: string): never {
  if (isUnauthorized(err)) {
    throw new KforgeError(
      `${what}: the API server rejected the bootstrap token (HTTP 401): it is wrong, expired, deleted, or lacks the "authentication" usage`,
      {cause: err},
    )
  }
  if (isForbidden(err)) {
    throw new KforgeError(
      `${what}: the bootstrap token may not do this (HTTP 403): ${(err as KubeApiError).status?.message ?? ''}. Its group needs kubeadm's RBAC bindings (kforge init phase bootstrap-token)`,
      {cause: err},
    )
  }
  throw err
}

export async function tlsBootstrap(o: TlsBootstrapOptions): Promise<{csrName: string}> {
  const {client, creds} = await bootstrapClient(o.rootDir, o.bootstrapKubeconfig)
  try {
    const subject = `system:node:${o.nodeName}`
    const {keyPem, csrPem} = await makeClientCsr(subject, ['system:nodes'])
    o.logger.info(
      `[kubelet-start] Requesting a client certificate for ${subject} (signer ${KUBELET_CLIENT_SIGNER})`,
    )
    let result: {certPem: string; name: string}
    try {
      result = await requestCertificate(client, csrPem, {
        signerName: KUBELET_CLIENT_SIGNER,
        usages: ['digital signature', 'client auth'],
        intervalMs: o.intervalMs,
        timeoutMs: o.timeoutMs,
      })
    } catch (err) {
      if (err instanceof KubeApiError) explainBootstrapError(err, 'TLS bootstrap')
      throw new KforgeError(`TLS bootstrap: ${(err as Error).message}`, {cause: err})
    }
    if (!creds.ca) throw new KforgeError(`${o.bootstrapKubeconfig}: no certificate-authority data`)
    const pem = join(o.rootDir, KUBELET_CLIENT_CURRENT)
    await mkdir(dirname(pem), {recursive: true, mode: 0o700})
    await writeFileAtomic(pem, `${result.certPem.trimEnd()}\n${keyPem}`, KEY_MODE)
    await writeFileAtomic(
      join(o.rootDir, KUBELET_CONF),
      kubeletKubeconfig(o.kubeletServer ?? creds.server, creds.ca),
      KEY_MODE,
    )
    // kubeadm removes the bootstrap kubeconfig once the kubelet holds its own credentials
    await rm(join(o.rootDir, o.bootstrapKubeconfig), {force: true})
    o.logger.info(
      `[kubelet-start] CertificateSigningRequest ${result.name} approved and issued; wrote ${KUBELET_CONF}`,
    )
    return {csrName: result.name}
  } finally {
    client.close()
  }
}
