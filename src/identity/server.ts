/**
 * The node-identity service's HTTPS face. Its certificate is signed by the cluster CA, whose pin
 * every joining node already holds (discovery.bootstrapToken.caCertHashes), so a node can tell this
 * service from an impostor before it sends a proof; the chain it presents includes the CA.
 *
 *   POST /v1/node-token   body: the proof (proof.ts)   200: {token, nodeName, expires}
 *   GET  /healthz         200: ok
 *
 * Refusals answer 4xx with {error} and are logged with the reason; the token is never logged.
 */

import {createServer, type Server} from 'node:https'
import {type CertAndKey, createSignedCert} from '../pki/cert.js'
import {generateKey, privateKeyPem} from '../pki/keys.js'
import {type RunningServer as Listening, listen} from '../util/listen.js'
import {ProofRefused} from './proof.js'
import type {NodeIdentityService} from './service.js'

/** kops-controller listens on 3988; kforge's service takes the port beside it. */
export const NODE_IDENTITY_PORT = 3989
export const NODE_TOKEN_PATH = '/v1/node-token'
const MAX_BODY = 64 * 1024

/** A serving certificate for this control-plane node, signed by the cluster CA (valid a week; the unit renews it on restart). */
export async function servingCertificate(
  ca: CertAndKey,
  altNames: {dnsNames: string[]; ips: string[]},
): Promise<{certPem: string; keyPem: string; chainPem: string}> {
  const key = await generateKey('ECDSA-P256')
  const leaf = await createSignedCert(
    {
      subject: {commonName: 'kforge-node-identity'},
      usages: ['server'],
      altNames,
      validityMs: 7 * 24 * 3600 * 1000,
    },
    key,
    ca,
  )
  return {
    certPem: leaf.certPem,
    keyPem: privateKeyPem(key.privateKey),
    chainPem: `${leaf.certPem.trimEnd()}\n${ca.certPem.trimEnd()}\n`,
  }
}

function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new ProofRefused('the request body is too large', 413))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export type RunningServer = Listening<Server>

export async function startNodeIdentityServer(
  service: NodeIdentityService,
  o: {
    certPem: string
    keyPem: string
    host: string
    port: number
    onRefused?: (reason: string, remote: string) => void
    onError?: (err: Error) => void
  },
): Promise<RunningServer> {
  const server = createServer({cert: o.certPem, key: o.keyPem, minVersion: 'TLSv1.2'}, (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, {'content-type': 'application/json'})
      res.end(`${JSON.stringify(body)}\n`)
    }
    if (req.method === 'GET' && req.url === '/healthz') return reply(200, {status: 'ok'})
    if (req.method !== 'POST' || req.url !== NODE_TOKEN_PATH) return reply(404, {error: 'not found'})
    const remote = req.socket.remoteAddress ?? 'unknown'
    void (async () => {
      try {
        const text = await readBody(req)
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          throw new ProofRefused('the body is not JSON', 400)
        }
        reply(200, await service.issue(body))
      } catch (err) {
        if (err instanceof ProofRefused) {
          o.onRefused?.(err.message, remote)
          return reply(err.status, {error: err.message})
        }
        o.onError?.(err as Error)
        reply(500, {error: 'the node-identity service failed; see its log'})
      }
    })()
  })
  return listen(server, o.host, o.port)
}
