/**
 * A real HTTPS server on loopback that answers like a kubeadm control plane's
 * GET /api/v1/namespaces/kube-public/configmaps/cluster-info (anonymous), for discovery tests.
 * The server certificate and the CA behind it are made in the test with kforge's own PKI code;
 * the cluster-info content is whatever the test's callback returns for the n-th request.
 */
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {signDetached} from '../../src/bootstrap/jws.js'
import {type CertAndKey, createCA, createSignedCert} from '../../src/pki/cert.js'
import {generateKey, privateKeyPem} from '../../src/pki/keys.js'
import {clusterInfoKubeconfig, serializeKubeconfig} from '../../src/pki/kubeconfig.js'

export const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info'

export interface TestPki {
  ca: CertAndKey
  /** Serving certificate for 127.0.0.1 / localhost, signed by `ca`. */
  server: CertAndKey
}

export async function makeTestPki(commonName = 'kubernetes'): Promise<TestPki> {
  const [caKey, serverKey] = await Promise.all([generateKey('ECDSA-P256'), generateKey('ECDSA-P256')])
  const ca = await createCA({subject: {commonName}}, caKey)
  const server = await createSignedCert(
    {
      subject: {commonName: 'kube-apiserver'},
      usages: ['server'],
      altNames: {dnsNames: ['localhost'], ips: ['127.0.0.1']},
    },
    serverKey,
    ca,
  )
  return {ca, server}
}

/** A ConfigMap as the API serves it: cluster-info with a kubeconfig and JWS keys. */
export function clusterInfoConfigMap(data: Record<string, string>): Record<string, unknown> {
  return {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: {name: 'cluster-info', namespace: 'kube-public', resourceVersion: '1'},
    data,
  }
}

/** The cluster-info kubeconfig kubeadm publishes, and its JWS for a token. */
export function signedClusterInfo(
  server: string,
  caPem: string,
  token: {id: string; secret: string},
): {kubeconfig: string; data: Record<string, string>} {
  const kubeconfig = serializeKubeconfig(clusterInfoKubeconfig(server, caPem))
  return {
    kubeconfig,
    data: {kubeconfig, [`jws-kubeconfig-${token.id}`]: signDetached(kubeconfig, token.id, token.secret)},
  }
}

export type Responder = (n: number) => {status: number; body: unknown}

export interface ClusterInfoServer {
  port: number
  endpoint: string
  /** Requests for cluster-info seen so far. */
  requests: () => number
  close: () => Promise<void>
}

export async function startClusterInfoServer(
  tls: CertAndKey,
  respond: Responder,
): Promise<ClusterInfoServer> {
  let n = 0
  const server: Server = createServer(
    {cert: tls.certPem, key: privateKeyPem(tls.key.privateKey)},
    (req, res) => {
      if (req.url !== CLUSTER_INFO_PATH || req.method !== 'GET') {
        res.writeHead(404).end()
        return
      }
      if (req.headers.authorization) {
        // discovery must be anonymous
        res.writeHead(400, {'content-type': 'text/plain'}).end('unexpected credentials')
        return
      }
      const {status, body} = respond(n++)
      res
        .writeHead(status, {'content-type': 'application/json'})
        .end(typeof body === 'string' ? body : JSON.stringify(body))
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    requests: () => n,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
