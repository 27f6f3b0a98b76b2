/**
 * The real kube-apiserver (from the Kubernetes assets) started with kforge's issuer flags for a
 * published issuer: a ServiceAccount token it issues through the TokenRequest API for audience
 * sts.amazonaws.com names the published issuer and `system:serviceaccount:NS:NAME`, and verifies
 * (jose) against the JWKS kforge publishes from the cluster's sa.pub, the key id included; the
 * apiserver's own discovery document names the same issuer and JWKS URI.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify} from 'jose'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KubeClient} from '../../src/kube/client.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {serviceAccountJwks} from '../../src/pki/oidc.js'
import {type RealApiServer, startRealApiServer} from '../support/real-apiserver.js'

const ISSUER = 'https://irsa-oidc.s3.us-east-1.amazonaws.com/clusters/real'

let real: RealApiServer
let admin: KubeClient

describe('service-account tokens of the real kube-apiserver against the published JWKS', {
  timeout: 240_000,
}, () => {
  beforeAll(async () => {
    // What src/render/kubeadm.ts writes for a cluster with a published issuer.
    real = await startRealApiServer({
      clusterConfiguration: `apiServer:
  extraArgs:
    - {name: service-account-issuer, value: ${ISSUER}}
    - {name: service-account-issuer, value: https://kubernetes.default.svc.cluster.local}
    - {name: service-account-jwks-uri, value: ${ISSUER}/openid/v1/jwks}
`,
    })
    admin = new KubeClient(await loadKubeconfig(real.adminKubeconfig))
  })
  afterAll(async () => {
    await real?.close()
  })

  it('a TokenRequest token for sts.amazonaws.com verifies against the JWKS made from sa.pub', async () => {
    await admin.request('POST', '/api/v1/namespaces', {
      body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'media'}},
    })
    await admin.request('POST', '/api/v1/namespaces/media/serviceaccounts', {
      body: {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'uploader'}},
    })
    const review = await admin.request<{status: {token: string}}>(
      'POST',
      '/api/v1/namespaces/media/serviceaccounts/uploader/token',
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {audiences: ['sts.amazonaws.com'], expirationSeconds: 3600},
        },
      },
    )
    const token = review.status.token
    const jwks = JSON.parse(
      serviceAccountJwks([readFileSync(join(real.root, 'etc/kubernetes/pki/sa.pub'))]),
    ) as JSONWebKeySet
    expect(decodeProtectedHeader(token).kid).toBe(jwks.keys[0]!.kid)
    const {payload} = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: 'sts.amazonaws.com',
    })
    expect(payload.sub).toBe('system:serviceaccount:media:uploader')

    const discovery = await admin.request<Record<string, unknown>>('GET', '/.well-known/openid-configuration')
    expect(discovery).toMatchObject({issuer: ISSUER, jwks_uri: `${ISSUER}/openid/v1/jwks`})
  })
})
