/**
 * `kforge pod-identity serve`: the webhook as its unit runs it on a control-plane node, with the
 * files install.ts wrote: the serving pair and a kubeconfig whose user may only get
 * ServiceAccounts. Each mutated pod is logged (namespace, name, account, what was added).
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {KubeClient} from '../kube/client.js'
import {loadKubeconfig} from '../kube/kubeconfig.js'
import {ServiceAccounts} from '../kube/resources.js'
import type {Logger} from '../util/logger.js'
import {WEBHOOK_KUBECONFIG, WEBHOOK_PAIR, WEBHOOK_PKI_DIR} from './install.js'
import type {ReviewOutcome, ServiceAccountLookup} from './review.js'
import {type RunningWebhook, startWebhookServer} from './server.js'
import type {WebhookDefaults} from './settings.js'

export interface WebhookServeOptions {
  rootDir: string
  host: string
  port: number
  defaults: WebhookDefaults
  logger: Logger
  /** Default: install.ts's paths under rootDir. */
  kubeconfig?: string
  certFile?: string
  keyFile?: string
}

export function apiLookup(kube: KubeClient): ServiceAccountLookup {
  return async (namespace, name) => {
    const sa = await kube.find(ServiceAccounts, name, namespace)
    return sa ? (sa.metadata.annotations ?? {}) : undefined
  }
}

function logOutcome(logger: Logger, o: ReviewOutcome): void {
  if (o.warning) logger.warn(`pod-identity: ${o.pod}: ${o.warning}`)
  else if (o.ops.length > 0)
    logger.info(
      `pod-identity: ${o.pod} (ServiceAccount ${o.serviceAccount}): ${o.ops.map((p) => p.path).join(', ')}`,
    )
}

/** Start serving; the caller closes the result (the command on a signal, a test at its end). */
export async function startPodIdentityWebhook(o: WebhookServeOptions): Promise<RunningWebhook> {
  const pki = join(o.rootDir, WEBHOOK_PKI_DIR)
  const [certPem, keyPem] = await Promise.all([
    readFile(o.certFile ?? join(pki, `${WEBHOOK_PAIR}.crt`), 'utf8'),
    readFile(o.keyFile ?? join(pki, `${WEBHOOK_PAIR}.key`), 'utf8'),
  ])
  const kube = new KubeClient(
    await loadKubeconfig(o.kubeconfig ?? join(o.rootDir, WEBHOOK_KUBECONFIG), {rootDir: o.rootDir}),
    // the API server waits at most timeoutSeconds (3 s) for the whole answer
    {timeoutMs: 2000, userAgent: 'kforge-pod-identity-webhook'},
  )
  const running = await startWebhookServer({
    certPem,
    keyPem,
    host: o.host,
    port: o.port,
    lookup: apiLookup(kube),
    defaults: o.defaults,
    onReviewed: (r) => logOutcome(o.logger, r),
    onError: (m) => o.logger.warn(`pod-identity: ${m}`),
  })
  o.logger.info(`pod-identity: serving on ${o.host}:${running.port}`)
  return {
    ...running,
    close: async () => {
      await running.close()
      kube.close()
    },
  }
}
