/**
 * `kforge join` of a worker against a control plane made by `kforge init`, both on simulated
 * kubelets sharing one API double: discovery, then TLS bootstrap through a CSR the double's
 * controller-manager approves and signs. And the ways it must fail, writing no kubeconfig.
 */
import {execFile} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {runKforge, tempDir} from '../support/cli.js'
import {controlPlaneNode, FAST, type NodeFixture, TEST_TOKEN} from '../support/kube-api/fixture.js'
import {SimCluster, SimNode} from '../support/kube-api/index.js'
import {resourceByKind} from '../support/kube-api/registry.js'

const exec = promisify(execFile)
let cluster: SimCluster
let cp: NodeFixture
let pin: string
const workers: SimNode[] = []

beforeAll(async () => {
  cluster = new SimCluster()
  cp = await controlPlaneNode(cluster, {name: 'cp-1', ip: '127.0.0.21'})
  const init = await cp.run(['init', '--config', cp.config])
  expect(init.code, init.stderr).toBe(0)
  pin = /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(init.stdout)![1]!
}, 120_000)

afterAll(async () => {
  for (const w of workers) await w.stop()
  await cp?.node.stop()
  await cluster?.close()
})

function worker(name: string, ip: string): {root: string; node: SimNode} {
  const root = tempDir(`kforge-${name}-`)
  const node = new SimNode(cluster, {rootDir: root, nodeName: name, nodeIP: ip})
  node.start()
  workers.push(node)
  return {root, node}
}

const joinArgs = (root: string, name: string, extra: string[] = []) => [
  'join',
  `${cp.ip}:${cp.port}`,
  '--token',
  TEST_TOKEN,
  '--discovery-token-ca-cert-hash',
  pin,
  '--node-name',
  name,
  '--root-dir',
  root,
  '--discovery-poll-interval',
  '200ms',
  ...extra,
]

describe('kforge join (worker)', {timeout: 180_000}, () => {
  it('ends with a kubelet.conf whose client certificate chains to the cluster CA as system:node:<name>', async () => {
    const {root} = worker('worker-1', '127.0.0.22')
    const r = await runKforge(joinArgs(root, 'worker-1'), {env: FAST})
    expect(r.code, r.stderr).toBe(0)
    const conf = parse(readFileSync(join(root, 'etc/kubernetes/kubelet.conf'), 'utf8'))
    expect(conf.clusters[0].cluster.server).toBe(cp.server)
    const pemPath = join(root, conf.users[0].user['client-certificate'])
    const dir = tempDir()
    writeFileSync(join(dir, 'ca.crt'), readFileSync(join(cp.root, 'etc/kubernetes/pki/ca.crt')))
    writeFileSync(
      join(dir, 'client.crt'),
      readFileSync(pemPath, 'utf8').split('-----BEGIN PRIVATE KEY-----')[0]!,
    )
    const verify = await exec('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'client.crt')])
    expect(verify.stdout).toContain('OK')
    const subject = await exec('openssl', [
      'x509',
      '-noout',
      '-subject',
      '-ext',
      'extendedKeyUsage',
      '-in',
      join(dir, 'client.crt'),
    ])
    expect(subject.stdout).toMatch(/subject=O ?= ?system:nodes, CN ?= ?system:node:worker-1/)
    expect(subject.stdout).toContain('TLS Web Client Authentication')
    expect(readFileSync(pemPath).length > 0 && (await import('node:fs')).statSync(pemPath).mode & 0o777).toBe(
      0o600,
    )
    expect(existsSync(join(root, 'etc/kubernetes/bootstrap-kubelet.conf'))).toBe(false)
    expect(readFileSync(join(root, 'var/lib/kubelet/config.yaml'), 'utf8')).toBe(
      readFileSync(join(cp.root, 'var/lib/kubelet/config.yaml'), 'utf8'),
    )
    // the kubelet registered with the new credentials; the CSR was the bootstrap token's
    expect(cluster.store.get(resourceByKind('Node'), undefined, 'worker-1')).toBeDefined()
    const csrs = cluster.store.list(resourceByKind('CertificateSigningRequest'))
    const mine = csrs.find((c) => c.spec.username === 'system:bootstrap:abcdef')!
    expect(mine.spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet')
    expect(mine.status.conditions[0]).toMatchObject({type: 'Approved', reason: 'AutoApproved'})
  })

  it('init phase upload-certs --upload-certs makes a certificate key, prints it once, and encrypts with it', async () => {
    const r = await cp.run(['init', 'phase', 'upload-certs', '--upload-certs', '--config', cp.config])
    expect(r.code, r.stderr).toBe(0)
    const key = /\[upload-certs\] Using certificate key:\n([0-9a-f]{64})\n/.exec(r.stdout)?.[1]
    expect(key).toBeDefined()
    expect(r.stderr).not.toContain(key!)
    const {decryptBytes} = await import('../../src/kube/certificate-key.js')
    const s = cluster.store.get(resourceByKind('Secret'), 'kube-system', 'kubeadm-certs')!
    const ca = decryptBytes(Buffer.from(s.data['ca.crt'], 'base64'), Buffer.from(key!, 'hex'))
    expect(ca.equals(readFileSync(join(cp.root, 'etc/kubernetes/pki/ca.crt')))).toBe(true)
  })

  it('fails precisely and writes no kubeconfig: wrong token, expired token, no signing usage, wrong pin', async () => {
    const cases: {name: string; args: (root: string) => string[]; setup?: () => void; expect: RegExp}[] = [
      {
        name: 'wrong-token',
        args: (root) =>
          joinArgs(root, 'w-a', ['--discovery-timeout', '2s']).map((a) =>
            a === TEST_TOKEN ? 'abcdef.ffffffffffffffff' : a,
          ),
        expect: /jws-kubeconfig-abcdef|signature/i,
      },
      {
        name: 'expired',
        setup: () => {
          const s = resourceByKind('Secret')
          const live = cluster.store.get(s, 'kube-system', 'bootstrap-token-abcdef')!
          cluster.store.create(s, 'kube-system', {
            ...live,
            metadata: {name: 'bootstrap-token-zzzzzz', namespace: 'kube-system'},
            data: {
              ...live.data,
              'token-id': Buffer.from('zzzzzz').toString('base64'),
              expiration: Buffer.from('2020-01-01T00:00:00Z').toString('base64'),
            },
          })
        },
        args: (root) =>
          joinArgs(root, 'w-b', ['--discovery-timeout', '2s']).map((a) =>
            a === TEST_TOKEN ? 'zzzzzz.0123456789abcdef' : a,
          ),
        expect: /jws-kubeconfig-zzzzzz/,
      },
      {
        name: 'no-signing',
        setup: () => {
          const s = resourceByKind('Secret')
          const live = cluster.store.get(s, 'kube-system', 'bootstrap-token-abcdef')!
          const data = {...live.data, 'token-id': Buffer.from('yyyyyy').toString('base64')}
          delete data['usage-bootstrap-signing']
          cluster.store.create(s, 'kube-system', {
            ...live,
            metadata: {name: 'bootstrap-token-yyyyyy', namespace: 'kube-system'},
            data,
          })
        },
        args: (root) =>
          joinArgs(root, 'w-c', ['--discovery-timeout', '2s']).map((a) =>
            a === TEST_TOKEN ? 'yyyyyy.0123456789abcdef' : a,
          ),
        expect: /jws-kubeconfig-yyyyyy/,
      },
      {
        name: 'wrong-pin',
        args: (root) => joinArgs(root, 'w-d').map((a) => (a === pin ? `sha256:${'0'.repeat(64)}` : a)),
        expect: /pin/i,
      },
    ]
    for (const c of cases) {
      c.setup?.()
      const root = tempDir(`kforge-${c.name}-`)
      const r = await runKforge(c.args(root), {env: FAST})
      expect(r.code, `${c.name}: ${r.stderr}`).not.toBe(0)
      expect(r.stderr, c.name).toMatch(c.expect)
      expect(existsSync(join(root, 'etc/kubernetes/kubelet.conf')), c.name).toBe(false)
      expect(existsSync(join(root, 'etc/kubernetes/bootstrap-kubelet.conf')), c.name).toBe(false)
    }
  })

  it("fails with the CSR's state when it is never approved, leaving no kubelet.conf", async () => {
    cluster.store.delete(
      resourceByKind('ClusterRoleBinding'),
      undefined,
      'kubeadm:node-autoapprove-bootstrap',
    )
    const root = tempDir('kforge-unapproved-')
    const cfg = join(root, 'join.yaml')
    writeFileSync(
      cfg,
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken: {token: ${TEST_TOKEN}, apiServerEndpoint: "${cp.ip}:${cp.port}", caCertHashes: [${pin}]}
nodeRegistration: {name: w-e}
timeouts: {tlsBootstrap: 3s}
`,
    )
    const r = await runKforge(
      ['join', '--config', cfg, '--root-dir', root, '--discovery-poll-interval', '200ms'],
      {env: FAST},
    )
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /phase kubelet-start: TLS bootstrap: timed out after 3s waiting for CertificateSigningRequest csr-\w+ to be approved and signed \(not approved; signer kubernetes.io\/kube-apiserver-client-kubelet\)/,
    )
    expect(existsSync(join(root, 'etc/kubernetes/kubelet.conf'))).toBe(false)
    expect(existsSync(join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem'))).toBe(false)
  })
})
