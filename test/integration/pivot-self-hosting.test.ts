/**
 * The self-hosted pivot end to end: `kforge init` with `selfHosted: true` on a simulated kubelet,
 * then the three answers to kubeadm#1093 — a reboot with the API down comes back from the
 * checkpoints (`kforge pivot recover`), renewed certificates on disk are served, and
 * `kforge pivot rollback` restores the static pods. A pivot that cannot finish rolls back.
 */
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {connect} from 'node:tls'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {runKforge, tempDir} from '../support/cli.js'
import {controlPlaneNode, type NodeFixture, waitUntil} from '../support/kube-api/fixture.js'
import {SimCluster} from '../support/kube-api/index.js'
import {issue, loadCa} from '../support/kube-api/pki.js'
import {resourceByKind} from '../support/kube-api/registry.js'
import type {Obj} from '../support/kube-api/store.js'

const NODE = 'cp-1'
const IP = '127.0.0.31'
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']
let cluster: SimCluster
let cp: NodeFixture
let init: {code: number; stdout: string; stderr: string}

beforeAll(async () => {
  cluster = new SimCluster()
  cp = await controlPlaneNode(cluster, {
    name: NODE,
    ip: IP,
    initExtra: 'timeouts: {controlPlaneComponentHealthCheck: 20s}',
    nodeBootstrap: 'apiVersion: kforge.dev/v1alpha1\nkind: NodeBootstrap\nselfHosted: true\n',
  })
  init = await cp.run(['init', '--config', cp.config])
}, 180_000)

afterAll(async () => {
  await cp?.node.stop()
  await cluster?.close()
})

const pods = () => cluster.store.list(resourceByKind('Pod'), 'kube-system')
const ready = (p: Obj) =>
  (p.status?.conditions ?? []).some(
    (c: {type: string; status: string}) => c.type === 'Ready' && c.status === 'True',
  )
const manifests = () => readdirSync(join(cp.root, 'etc/kubernetes/manifests')).sort()
const dsPods = (c: string) => pods().filter((p) => p.metadata.labels?.['k8s-app'] === `self-hosted-${c}`)
const apiUp = () => cluster.reachable(cp.server)

function selfHostedHealthy(): boolean {
  return COMPONENTS.every((c) => dsPods(c).length === 1 && ready(dsPods(c)[0]!)) && apiUp()
}

function servingSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({host: IP, port: cp.port, rejectUnauthorized: false}, () => {
      resolve(s.getPeerCertificate().serialNumber)
      s.end()
    })
    s.on('error', reject)
  })
}

describe('self-hosted pivot', {timeout: 180_000}, () => {
  it('leaves etcd static and the control plane in three Ready DaemonSets', async () => {
    expect(init.code, init.stderr).toBe(0)
    expect(init.stderr).toMatch(/✓ self-hosting/)
    expect(manifests()).toEqual(['etcd.yaml'])
    await waitUntil(selfHostedHealthy, 10_000, 'self-hosted pods Ready')
    for (const c of COMPONENTS) {
      const ds = cluster.store.get(resourceByKind('DaemonSet'), 'kube-system', `self-hosted-${c}`)!
      expect(ds.spec.selector.matchLabels).toEqual({'k8s-app': `self-hosted-${c}`})
      expect(ds.spec.updateStrategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: {maxSurge: 1, maxUnavailable: 0},
      })
      const spec = ds.spec.template.spec
      expect(spec.nodeSelector).toEqual({'node-role.kubernetes.io/control-plane': ''})
      expect(spec.tolerations).toContainEqual({
        key: 'node-role.kubernetes.io/control-plane',
        operator: 'Exists',
        effect: 'NoSchedule',
      })
      expect(spec.hostNetwork).toBe(true)
      expect(spec.dnsPolicy).toBe('ClusterFirstWithHostNet')
      // exactly the static pod's hostPath volumes: certificates and kubeconfigs come from the node
      const original = parse(
        readFileSync(join(cp.root, 'etc/kubernetes/self-hosting/static-backup', `${c}.yaml`), 'utf8'),
      )
      expect(spec.volumes).toEqual(original.spec.volumes)
      if (c !== 'kube-scheduler')
        expect(
          spec.volumes.some((v: {hostPath?: {path: string}}) => v.hostPath?.path === '/etc/kubernetes/pki'),
        ).toBe(true)
      // the static pod's mirror is gone; the etcd one stays
      expect(pods().find((p) => p.metadata.name === `${c}-${NODE}`)).toBeUndefined()
      expect(existsSync(join(cp.root, 'etc/kubernetes/self-hosting/checkpoints', `${c}.yaml`))).toBe(true)
    }
    const api = cluster.store.get(resourceByKind('DaemonSet'), 'kube-system', 'self-hosted-kube-apiserver')!
      .spec.template.spec.containers[0]
    expect(api.command).toContain('--advertise-address=$(HOST_IP)')
    expect(api.env).toContainEqual({name: 'HOST_IP', valueFrom: {fieldRef: {fieldPath: 'status.hostIP'}}})
    expect(pods().find((p) => p.metadata.name === `etcd-${NODE}`)).toBeDefined()
    expect(
      cp.node
        .podSummary()
        .filter((p) => p.source === 'file')
        .map((p) => p.name),
    ).toEqual(['etcd'])
  })

  it('keeps working on the self-hosted controller-manager: the BootstrapSigner signs a new token', async () => {
    const r = await cp.run(['token', 'create', 'qwerty.0123456789abcdef'])
    expect(r.code, r.stderr).toBe(0)
    await waitUntil(
      () =>
        cluster.store.get(resourceByKind('ConfigMap'), 'kube-public', 'cluster-info')?.data[
          'jws-kubeconfig-qwerty'
        ],
      5000,
      'jws for the new token',
    )
  })

  it('serves a certificate renewed on disk (the DaemonSet reads the host PKI dir)', async () => {
    const pki = join(cp.root, 'etc/kubernetes/pki')
    const before = await servingSerial()
    const ca = await loadCa(readFileSync(join(pki, 'ca.crt')), readFileSync(join(pki, 'ca.key')))
    const renewed = await issue(ca, {
      commonName: 'kube-apiserver',
      usage: 'server',
      ips: [IP],
      dnsNames: [NODE, 'kubernetes'],
    })
    writeFileSync(join(pki, 'apiserver.key'), renewed.keyPem!)
    writeFileSync(join(pki, 'apiserver.crt'), renewed.certPem)
    const expected = renewed.cert.serialNumber.toUpperCase().replace(/^0+/, '')
    const after = await waitUntil(
      async () => {
        const s = await servingSerial()
        return s !== before ? s : undefined
      },
      5000,
      'the renewed serving certificate',
    )
    expect(after.replace(/^0+/, '')).toBe(expected)
    const list = await cp.run(['token', 'list'])
    expect(list.code, list.stderr).toBe(0)
  })

  it('comes back after a reboot with the API down, from the checkpoints', async () => {
    await cp.node.stop()
    expect(apiUp()).toBe(false)
    cp.node.start()
    await new Promise((r) => setTimeout(r, 500))
    expect(apiUp()).toBe(false) // the kubelet alone cannot bring a self-hosted plane back
    const r = await cp.run(['pivot', 'recover', '--node-name', NODE, '--timeout', '20s', '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      installed: COMPONENTS,
      withdrawn: ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver'],
    })
    expect(manifests()).toEqual(['etcd.yaml'])
    await waitUntil(selfHostedHealthy, 10_000, 'self-hosted pods Ready after recovery')
    const again = await cp.run(['pivot', 'recover', '--node-name', NODE, '--timeout', '20s', '-o', 'json'])
    expect(JSON.parse(again.stdout)).toEqual({installed: [], withdrawn: []})
  })

  it('rolls back to static pods and removes the DaemonSets', async () => {
    const r = await cp.run(['pivot', 'rollback', '--node-name', NODE, '--timeout', '20s'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('static pods restored: kube-scheduler, kube-controller-manager, kube-apiserver\n')
    expect(manifests()).toEqual([
      'etcd.yaml',
      'kube-apiserver.yaml',
      'kube-controller-manager.yaml',
      'kube-scheduler.yaml',
    ])
    for (const c of COMPONENTS) {
      expect(
        cluster.store.get(resourceByKind('DaemonSet'), 'kube-system', `self-hosted-${c}`),
      ).toBeUndefined()
      expect(dsPods(c)).toEqual([])
      await waitUntil(
        () => pods().find((p) => p.metadata.name === `${c}-${NODE}` && ready(p)),
        5000,
        `${c} mirror pod`,
      )
    }
    const api = parse(readFileSync(join(cp.root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'))
    expect(api.spec.containers[0].command).toContain(`--advertise-address=${IP}`)
    expect(api.spec.containers[0].env ?? []).not.toContainEqual(expect.objectContaining({name: 'HOST_IP'}))
    expect(api.spec.nodeSelector).toBeUndefined()
    expect(existsSync(join(cp.root, 'etc/kubernetes/self-hosting/checkpoints/kube-apiserver.yaml'))).toBe(
      false,
    )
    expect(apiUp()).toBe(true)
  })

  it('rolls a component back to its static pod when the pivot cannot finish, and says why', async () => {
    // no node carries the control-plane label: the DaemonSet pod can never be scheduled
    const nodes = resourceByKind('Node')
    const node = cluster.store.get(nodes, undefined, NODE)!
    delete node.metadata.labels!['node-role.kubernetes.io/control-plane']
    cluster.store.update(nodes, undefined, NODE, node)
    const cfg = readFileSync(cp.config, 'utf8').replace(
      'controlPlaneComponentHealthCheck: 20s',
      'controlPlaneComponentHealthCheck: 3s',
    )
    writeFileSync(cp.config, cfg)
    const r = await cp.run(['init', 'phase', 'self-hosting', '--config', cp.config])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /self-hosting kube-apiserver: failed to wait for the self-hosted-kube-apiserver pod on cp-1: timed out after 3s .*Rolled back: kube-apiserver runs from its static manifest again/,
    )
    expect(manifests()).toEqual([
      'etcd.yaml',
      'kube-apiserver.yaml',
      'kube-controller-manager.yaml',
      'kube-scheduler.yaml',
    ])
    expect(
      cluster.store.get(resourceByKind('DaemonSet'), 'kube-system', 'self-hosted-kube-apiserver'),
    ).toBeUndefined()
    expect(apiUp()).toBe(true)
  })
})

describe('kforge pivot recover before the first init', () => {
  it('exits 0 on a node that has no checkpoints and no kubeconfig yet (its boot unit runs on every control-plane instance)', async () => {
    const root = tempDir()
    const r = await runKforge(['pivot', 'recover', '--root-dir', root, '--node-name', 'cp-1', '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({installed: [], withdrawn: []})
    expect(r.stderr).toContain('no checkpoints on this node')
    expect(readdirSync(root)).toEqual([])
  })
})
