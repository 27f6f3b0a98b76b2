/**
 * The webhook's HTTPS face, which only the local kube-apiserver calls (it listens on loopback):
 *
 *   POST /mutate    body: AdmissionReview (admission.k8s.io/v1)   200: the reviewed AdmissionReview
 *   GET  /healthz   200: ok
 *
 * A body that is not a review answers 400; the API server then applies failurePolicy (Ignore).
 */
import type {IncomingMessage} from 'node:http'
import {createServer, type Server} from 'node:https'
import {listen, type RunningServer} from '../util/listen.js'
import {admissionRequest, type ReviewOutcome, reviewPod, type ServiceAccountLookup} from './review.js'
import type {WebhookDefaults} from './settings.js'

/** Beside kops-controller (3988) and kforge's node identity (3989). */
export const POD_IDENTITY_PORT = 3990
export const MUTATE_PATH = '/mutate'
/** A pod is at most what etcd stores (1.5 MiB by default); its review wraps it once. */
const MAX_BODY = 3 * 1024 * 1024

class BadRequest extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= MAX_BODY) chunks.push(c)
    })
    req.on('end', () =>
      size > MAX_BODY
        ? reject(new BadRequest('the review is too large'))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    )
    req.on('error', reject)
  })
}

export interface WebhookServerOptions {
  certPem: string
  keyPem: string
  host: string
  port: number
  lookup: ServiceAccountLookup
  defaults: WebhookDefaults
  onReviewed?: (o: ReviewOutcome) => void
  onError?: (message: string) => void
}

export type RunningWebhook = RunningServer<Server>

async function handle(req: IncomingMessage, o: WebhookServerOptions): Promise<[number, unknown]> {
  let body: unknown
  try {
    body = JSON.parse(await readBody(req))
  } catch (err) {
    throw err instanceof BadRequest ? err : new BadRequest('the body is not JSON')
  }
  let request: ReturnType<typeof admissionRequest>
  try {
    request = admissionRequest(body)
  } catch (err) {
    throw new BadRequest((err as Error).message)
  }
  const outcome = await reviewPod(request, o.lookup, o.defaults)
  o.onReviewed?.(outcome)
  return [200, outcome.review]
}

export async function startWebhookServer(o: WebhookServerOptions): Promise<RunningWebhook> {
  const server = createServer({cert: o.certPem, key: o.keyPem, minVersion: 'TLSv1.2'}, (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, {'content-type': 'application/json'})
      res.end(`${JSON.stringify(body)}\n`)
    }
    const path = (req.url ?? '').split('?')[0]
    if (req.method === 'GET' && path === '/healthz') return reply(200, {status: 'ok'})
    if (req.method !== 'POST' || path !== MUTATE_PATH) return reply(404, {error: 'not found'})
    handle(req, o).then(
      ([status, body]) => reply(status, body),
      (err: Error) => {
        o.onError?.(err.message)
        reply(err instanceof BadRequest ? 400 : 500, {error: err.message})
      },
    )
  })
  return listen(server, o.host, o.port)
}
