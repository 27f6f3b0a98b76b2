/**
 * `kforge join phase discovery` against a real HTTPS server serving a kubeadm-shaped cluster-info
 * (test/support/https-server.ts): success writes bootstrap-kubelet.conf; each failed check exits
 * non-zero, names the check, and writes nothing.
 */
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'
import {signDetached} from '../../src/bootstrap/jws.js'
import {computePin} from '../../src/bootstrap/pin.js'
import {clusterInfoKubeconfig, serializeKubeconfig} from '../../src/pki/kubeconfig.js'
import {runKforge, tempDir} from '../support/cli.js'
import {
  type ClusterInfoServer,
  clusterInfoConfigMap,
  makeTestPki,
  type Responder,
  signedClusterInfo,
  startClusterInfoServer,
  type TestPki,
} from '../support/https-server.js'

const token = {id: 'abcdef', secret: '0123456789abcdef'}
const TOKEN = `${token.id}.${token.secret}`
const fast = ['--discovery-poll-interval', '50ms']

let pki: TestPki
let otherPki: TestPki
let servers: ClusterInfoServer[] = []

beforeAll(async () => {
  ;[pki, otherPki] = await Promise.all([makeTestPki(), makeTestPki('impostor')])
})

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

async function serve(respond: Responder, tls = pki.server): Promise<ClusterInfoServer> {
  const s = await startClusterInfoServer(tls, respond)
  servers.push(s)
  return s
}

/** The kubeadm-shaped cluster-info for `server`, signed with the test token. */
const ok = (server: string) => clusterInfoConfigMap(signedClusterInfo(server, pki.ca.certPem, token).data)

function files(dir: string): string[] {
  return readdirSync(dir, {recursive: true}).map(String)
}

async function discover(endpoint: string, extra: string[], root = tempDir()) {
  const res = await runKforge(['join', 'phase', 'discovery', endpoint, '--root-dir', root, ...fast, ...extra])
  return {...res, root}
}

const pinArgs = () => ['--token', TOKEN, '--discovery-token-ca-cert-hash', computePin(pki.ca.certPem)]

describe('kforge join phase discovery', () => {
  it('verifies cluster-info and writes bootstrap-kubelet.conf (kubectl reads it)', async () => {
    const s = await serve(() => ({status: 200, body: ok('https://api.example.test:6443')}))
    const r = await discover(s.endpoint, pinArgs())
    expect(r.stderr).not.toContain('Error')
    expect(r.code).toBe(0)
    const file = join(r.root, 'etc/kubernetes/bootstrap-kubelet.conf')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const view = JSON.parse(
      execFileSync('kubectl', ['--kubeconfig', file, 'config', 'view', '--raw', '-o', 'json'], {
        env: {...process.env, KUBECONFIG: ''},
      }).toString(),
    )
    expect(view['current-context']).toBe('tls-bootstrap-token-user@kubernetes')
    expect(view.clusters).toEqual([
      {
        name: 'kubernetes',
        cluster: {
          server: 'https://api.example.test:6443',
          'certificate-authority-data': Buffer.from(pki.ca.certPem).toString('base64'),
        },
      },
    ])
    expect(view.users).toEqual([{name: 'tls-bootstrap-token-user', user: {token: TOKEN}}])
    expect(s.requests()).toBe(2) // unverified fetch, then the verified re-fetch
    expect(r.stdout + r.stderr).not.toContain(token.secret)
  })

  it('polls until the BootstrapSigner has signed cluster-info for the token', async () => {
    const {data} = signedClusterInfo('https://10.0.0.1:6443', pki.ca.certPem, token)
    const s = await serve((n) =>
      n < 3
        ? {status: 200, body: clusterInfoConfigMap({kubeconfig: data.kubeconfig!})}
        : {status: 200, body: clusterInfoConfigMap(data)},
    )
    const r = await discover(s.endpoint, pinArgs())
    expect(r.code).toBe(0)
    expect(s.requests()).toBe(5)
    expect(readFileSync(join(r.root, 'etc/kubernetes/bootstrap-kubelet.conf'), 'utf8')).toContain(
      'server: https://10.0.0.1:6443',
    )
  })

  it('uses a separate TLS bootstrap token when given', async () => {
    const s = await serve(() => ({status: 200, body: ok('https://10.0.0.1:6443')}))
    const r = await discover(s.endpoint, [...pinArgs(), '--tls-bootstrap-token', 'zyxwvu.9876543210zyxwvu'])
    expect(r.code).toBe(0)
    expect(readFileSync(join(r.root, 'etc/kubernetes/bootstrap-kubelet.conf'), 'utf8')).toContain(
      'token: zyxwvu.9876543210zyxwvu',
    )
  })

  it('accepts the unsafe flag instead of a pin', async () => {
    const s = await serve(() => ({status: 200, body: ok('https://10.0.0.1:6443')}))
    const r = await discover(s.endpoint, ['--token', TOKEN, '--discovery-token-unsafe-skip-ca-verification'])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('no CA pin given')
    expect(files(r.root)).toContain(join('etc', 'kubernetes', 'bootstrap-kubelet.conf'))
  })

  describe('fails, names the check, and writes nothing', () => {
    async function expectFailure(endpoint: string, extra: string[], message: RegExp) {
      const r = await discover(endpoint, extra)
      expect(r.code, r.stderr).not.toBe(0)
      expect(r.stderr).toMatch(message)
      expect(files(r.root)).toEqual([])
      return r
    }

    it('bad token format', async () => {
      const s = await serve(() => ({status: 200, body: ok('https://10.0.0.1:6443')}))
      const r = await expectFailure(
        s.endpoint,
        ['--token', 'abcdef.0123456789ABCDEF', '--discovery-token-ca-cert-hash', computePin(pki.ca.certPem)],
        /--token: the bootstrap token is not of the form/,
      )
      expect(r.stderr).not.toContain('0123456789ABCDEF')
      expect(s.requests()).toBe(0)
    })

    it('no pin and no unsafe flag', async () => {
      const s = await serve(() => ({status: 200, body: ok('https://10.0.0.1:6443')}))
      await expectFailure(s.endpoint, ['--token', TOKEN], /refusing to trust the cluster CA without a pin/)
      expect(s.requests()).toBe(0)
    })

    it('malformed pin', async () => {
      const s = await serve(() => ({status: 200, body: ok('https://10.0.0.1:6443')}))
      await expectFailure(
        s.endpoint,
        ['--token', TOKEN, '--discovery-token-ca-cert-hash', 'sha256:0011223344'],
        /--discovery-token-ca-cert-hash: expected a 32 byte SHA-256 hash/,
      )
    })

    it('wrong pin', async () => {
      const s = await serve(() => ({status: 200, body: ok('https://10.0.0.1:6443')}))
      await expectFailure(
        s.endpoint,
        ['--token', TOKEN, '--discovery-token-ca-cert-hash', computePin(otherPki.ca.certPem)],
        /CA pin check failed/,
      )
    })

    it('bad signature', async () => {
      const {data} = signedClusterInfo('https://10.0.0.1:6443', pki.ca.certPem, {
        id: token.id,
        secret: 'ffffffffffffffff',
      })
      const s = await serve(() => ({status: 200, body: clusterInfoConfigMap(data)}))
      await expectFailure(s.endpoint, pinArgs(), /JWS signature check failed/)
    })

    it('signed key missing until the timeout', async () => {
      const {data} = signedClusterInfo('https://10.0.0.1:6443', pki.ca.certPem, {
        id: 'zzzzzz',
        secret: token.secret,
      })
      const s = await serve(() => ({status: 200, body: clusterInfoConfigMap(data)}))
      await expectFailure(
        s.endpoint,
        [...pinArgs(), '--discovery-timeout', '1s'],
        /timed out waiting for a signed cluster-info.*no jws-kubeconfig-abcdef key/,
      )
      expect(s.requests()).toBeGreaterThan(3)
    })

    it('API server unreachable until the timeout', async () => {
      const s = await serve(() => ({status: 200, body: {}}))
      const endpoint = s.endpoint
      await s.close()
      servers = []
      await expectFailure(
        endpoint,
        [...pinArgs(), '--discovery-timeout', '500ms'],
        /timed out waiting for a signed cluster-info \(cannot fetch cluster-info/,
      )
    })

    it('content changed between the two fetches', async () => {
      const first = ok('https://10.0.0.1:6443')
      const changed = clusterInfoConfigMap({
        kubeconfig: serializeKubeconfig(clusterInfoKubeconfig('https://10.6.6.6:6443', pki.ca.certPem)),
        'jws-kubeconfig-abcdef': signDetached('other', token.id, token.secret),
      })
      const s = await serve((n) => ({status: 200, body: n === 0 ? first : changed}))
      await expectFailure(s.endpoint, pinArgs(), /content check failed/)
    })

    it('TLS failure: the server does not hold a certificate from the pinned CA', async () => {
      const s = await serve(() => ({status: 200, body: ok('https://10.0.0.1:6443')}), otherPki.server)
      await expectFailure(s.endpoint, pinArgs(), /TLS verification failed/)
    })

    it('cluster-info with more than one cluster', async () => {
      const doc = clusterInfoKubeconfig('https://10.0.0.1:6443', pki.ca.certPem)
      doc.clusters!.push({name: 'second', cluster: {server: 'https://10.0.0.2:6443'}})
      const kubeconfig = serializeKubeconfig(doc)
      const s = await serve(() => ({
        status: 200,
        body: clusterInfoConfigMap({
          kubeconfig,
          'jws-kubeconfig-abcdef': signDetached(kubeconfig, token.id, token.secret),
        }),
      }))
      await expectFailure(s.endpoint, pinArgs(), /expected exactly one cluster in its kubeconfig, found 2/)
    })
  })
})
