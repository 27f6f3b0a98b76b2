/**
 * A second control-plane node joins: it downloads the CAs from kubeadm-certs with the certificate
 * key, makes its own certificates and manifests with the init phases, gets its kubelet
 * certificate by CSR, joins etcd (member add through the first member's client URL; the double's
 * etcd keeps membership only, no data), and is marked control-plane.
 */
import {execFile} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {runKforge, tempDir} from '../support/cli.js'
import {controlPlaneNode, FAST, type NodeFixture, TEST_TOKEN, waitUntil} from '../support/kube-api/fixture.js'
import {SimCluster, SimNode} from '../support/kube-api/index.js'
import {getFreePort} from '../support/kube-api/ports.js'
import {resourceByKind} from '../support/kube-api/registry.js'

const exec = promisify(execFile)
const KEY = 'a1'.repeat(32)
const IP2 = '127.0.0.52'
let cluster: SimCluster
let cp1: NodeFixture
let pin: string
let cp2: SimNode | undefined

beforeAll(async () => {
  cluster = new SimCluster()
  cp1 = await controlPlaneNode(cluster, {
    name: 'cp-1',
    ip: '127.0.0.51',
    initExtra: `certificateKey: ${KEY}`,
    clusterExtra: 'controlPlaneEndpoint: "{{ip}}:{{port}}"',
  })
  const init = await cp1.run(['init', '--config', cp1.config])
  expect(init.code, init.stderr).toBe(0)
  pin = /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(init.stdout)![1]!
  await waitUntil(() => cluster.etcd.members.length === 1, 5000, 'the first etcd member')
}, 120_000)

afterAll(async () => {
  await cp2?.stop()
  await cp1?.node.stop()
  await cluster?.close()
})

const joinArgs = (root: string, port: number, key: string) => [
  'join',
  `${cp1.ip}:${cp1.port}`,
  '--token',
  TEST_TOKEN,
  '--discovery-token-ca-cert-hash',
  pin,
  '--control-plane',
  '--certificate-key',
  key,
  '--apiserver-advertise-address',
  IP2,
  '--apiserver-bind-port',
  String(port),
  '--node-name',
  'cp-2',
  '--root-dir',
  root,
  '--discovery-poll-interval',
  '200ms',
]

describe('kforge join --control-plane', {timeout: 180_000}, () => {
  it('prints the control-plane join command with token create --print-join-command --certificate-key', async () => {
    const r = await cp1.run(['token', 'create', '--print-join-command', '--certificate-key', KEY])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toMatch(
      new RegExp(
        `^kforge join 127\\.0\\.0\\.51:${cp1.port} --token [a-z0-9]{6}\\.[a-z0-9]{16} --discovery-token-ca-cert-hash ${pin} --control-plane --certificate-key ${KEY}$`,
      ),
    )
  })

  it('refuses a wrong certificate key before writing any certificate', async () => {
    const root = tempDir('kforge-cp2-badkey-')
    const r = await runKforge(joinArgs(root, await getFreePort(IP2), 'b2'.repeat(32)), {env: FAST})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      'phase control-plane-prepare/download-certs: cannot decrypt: the certificate key does not match',
    )
    expect(existsSync(join(root, 'etc/kubernetes/pki'))).toBe(false)
    expect(existsSync(join(root, 'etc/kubernetes/kubelet.conf'))).toBe(false)
  })

  it('joins a second control plane: shared CAs, own certificates and manifests, etcd member, marked node', async () => {
    const root = tempDir('kforge-cp2-')
    const port = await getFreePort(IP2)
    cp2 = new SimNode(cluster, {rootDir: root, nodeName: 'cp-2', nodeIP: IP2})
    cp2.start()
    const r = await runKforge(joinArgs(root, port, KEY), {env: FAST})
    expect(r.code, r.stderr).toBe(0)
    for (const p of [
      'control-plane-prepare/download-certs',
      'control-plane-prepare/certs',
      'kubelet-start',
      'etcd-join',
      'kubelet-wait-bootstrap',
      'control-plane-join/mark-control-plane',
      'wait-control-plane',
    ]) {
      expect(r.stderr).toMatch(new RegExp(`✓ +${p.replace('/', '\\/')}`))
    }
    const pki1 = join(cp1.root, 'etc/kubernetes/pki')
    const pki2 = join(root, 'etc/kubernetes/pki')
    for (const f of [
      'ca.crt',
      'ca.key',
      'sa.key',
      'sa.pub',
      'front-proxy-ca.crt',
      'etcd/ca.crt',
      'etcd/ca.key',
    ]) {
      expect(readFileSync(join(pki2, f)).equals(readFileSync(join(pki1, f))), f).toBe(true)
    }
    expect(readFileSync(join(pki2, 'apiserver.crt')).equals(readFileSync(join(pki1, 'apiserver.crt')))).toBe(
      false,
    )
    const verify = await exec('openssl', [
      'verify',
      '-CAfile',
      join(pki2, 'ca.crt'),
      join(pki2, 'apiserver.crt'),
    ])
    expect(verify.stdout).toContain('OK')
    const sans = await exec('openssl', [
      'x509',
      '-noout',
      '-ext',
      'subjectAltName',
      '-in',
      join(pki2, 'apiserver.crt'),
    ])
    expect(sans.stdout).toContain(`IP Address:${IP2}`)
    expect(sans.stdout).toContain('IP Address:127.0.0.51')
    expect(readdirSync(join(root, 'etc/kubernetes/manifests')).sort()).toEqual([
      'etcd.yaml',
      'kube-apiserver.yaml',
      'kube-controller-manager.yaml',
      'kube-scheduler.yaml',
    ])
    const etcd = parse(readFileSync(join(root, 'etc/kubernetes/manifests/etcd.yaml'), 'utf8'))
    const cmd: string[] = etcd.spec.containers[0].command
    expect(cmd).toContain('--initial-cluster-state=existing')
    expect(cmd).toContain(`--initial-cluster=cp-1=https://127.0.0.51:2380,cp-2=https://${IP2}:2380`)
    expect(cluster.etcd.members.map((m) => m.name).sort()).toEqual(['cp-1', 'cp-2'])
    // its own API server is up, and the node is a control plane
    expect(cluster.reachable(`https://${IP2}:${port}`)).toBe(true)
    const node = cluster.store.get(resourceByKind('Node'), undefined, 'cp-2')!
    expect(node.metadata.labels).toMatchObject({'node-role.kubernetes.io/control-plane': ''})
    expect(node.spec.taints).toEqual([{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}])
    const admin = parse(readFileSync(join(root, 'etc/kubernetes/admin.conf'), 'utf8'))
    expect(admin.clusters[0].cluster.server).toBe(`https://127.0.0.51:${cp1.port}`)
    // as kubeadm's join: a control-plane kubelet talks to its own API server, not the shared endpoint
    const kubelet = parse(readFileSync(join(root, 'etc/kubernetes/kubelet.conf'), 'utf8'))
    expect(kubelet.clusters[0].cluster.server).toBe(`https://${IP2}:${port}`)
    expect(existsSync(join(root, 'etc/kubernetes/super-admin.conf'))).toBe(false)
    await waitUntil(
      () => cluster.store.get(resourceByKind('Pod'), 'kube-system', 'kube-apiserver-cp-2'),
      5000,
      'cp-2 mirror pod',
    )
  })
})
