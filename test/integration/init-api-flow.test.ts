/**
 * `kforge init` end to end against the API double: a simulated kubelet runs the static pods
 * kforge writes (so the API server comes up from kforge's own certificates), and every phase
 * after kubelet-start talks to it over HTTPS. The API must then hold exactly kubeadm's objects.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {verifyDetached} from '../../src/bootstrap/jws.js'
import {decryptBytes} from '../../src/kube/certificate-key.js'
import {controlPlaneNode, type NodeFixture, TEST_TOKEN} from '../support/kube-api/fixture.js'
import {SimCluster} from '../support/kube-api/index.js'
import {resourceByKind} from '../support/kube-api/registry.js'
import type {Obj} from '../support/kube-api/store.js'

const CERT_KEY = '0f'.repeat(32)
const NODE_BOOTSTRAP = `apiVersion: kforge.dev/v1alpha1
kind: NodeBootstrap
cni: flannel
addons:
  cloudControllerManager: {enabled: true}
  ebsCSI: {enabled: true, defaultStorageClass: true}
`

let cluster: SimCluster
let cp: NodeFixture
let initResult: {code: number; stdout: string; stderr: string}
let before: Set<string>

const id = (o: Obj) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`

beforeAll(async () => {
  cluster = new SimCluster()
  before = new Set(cluster.store.all().map((x) => id(x.object)))
  cp = await controlPlaneNode(cluster, {
    name: 'cp-1',
    initExtra: `certificateKey: ${CERT_KEY}`,
    nodeBootstrap: NODE_BOOTSTRAP,
  })
  initResult = await cp.run(['init', '--config', cp.config])
}, 120_000)

afterAll(async () => {
  await cp?.node.stop()
  await cluster?.close()
})

const get = (kind: string, ns: string | undefined, name: string) =>
  cluster.store.get(resourceByKind(kind), ns, name)

describe('kforge init --dry-run', {timeout: 120_000}, () => {
  it('walks every phase, API phases included, and writes nothing', async () => {
    const {mkdtempSync, readdirSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const root = mkdtempSync(join(tmpdir(), 'kforge-dry-'))
    const {runKforge} = await import('../support/cli.js')
    const r = await runKforge(['init', '--config', cp.config, '--root-dir', root, '--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      '[bootstrap-token] dry run: would create 1 token Secret(s), ConfigMap kube-public/cluster-info',
    )
    expect(r.stderr).toMatch(/✓ +addon\/coredns/)
    expect(readdirSync(root)).toEqual([])
  })
})

describe('kforge init against the API double', {timeout: 180_000}, () => {
  it('runs every phase in kubeadm order and prints the join command', () => {
    expect(initResult.code, initResult.stderr).toBe(0)
    const done = initResult.stderr
      .split('\n')
      .filter((l) => l.startsWith('✓'))
      .map((l) => l.replace(/^✓\s+/, '').split(' ')[0])
    const order = [
      'preflight',
      'certs',
      'kubeconfig',
      'etcd/local',
      'control-plane/apiserver',
      'kubelet-start',
      'wait-control-plane',
      'upload-config/kubeadm',
      'upload-config/kubelet',
      'upload-certs',
      'mark-control-plane',
      'bootstrap-token',
      'kubelet-finalize/enable-client-cert-rotation',
      'addon/coredns',
      'addon/kube-proxy',
      'addon/aws-cloud-controller-manager',
      'addon/cni',
      'addon/ebs-csi',
      'show-join-command',
    ]
    expect(done.filter((p) => order.includes(p!))).toEqual(order)
    expect(initResult.stderr).toMatch(/- self-hosting: not needed/)
    expect(initResult.stdout).toContain(
      `kforge join ${cp.ip}:${cp.port} --token ${TEST_TOKEN} --discovery-token-ca-cert-hash sha256:`,
    )
  })

  it("leaves exactly the objects kubeadm (and the spec's addons) create", () => {
    const created = cluster.store
      .all()
      .map((x) => x.object)
      .filter((o) => !before.has(id(o)) && o.kind !== 'Pod' && o.kind !== 'Node')
      .map(id)
      .map((s) => s.replace(/bootstrap-token-(?!abcdef)[a-z0-9]{6}$/, 'bootstrap-token-<upload-certs>'))
      .sort()
    const kubeadm = [
      'ClusterRole kubeadm:get-nodes',
      'ClusterRoleBinding kubeadm:cluster-admins',
      'ClusterRoleBinding kubeadm:get-nodes',
      'ClusterRoleBinding kubeadm:kubelet-bootstrap',
      'ClusterRoleBinding kubeadm:node-autoapprove-bootstrap',
      'ClusterRoleBinding kubeadm:node-autoapprove-certificate-rotation',
      'ConfigMap kube-public/cluster-info',
      'ConfigMap kube-system/kubeadm-config',
      'ConfigMap kube-system/kubelet-config',
      'Role kube-public/kubeadm:bootstrap-signer-clusterinfo',
      'Role kube-system/kubeadm:kubeadm-certs',
      'Role kube-system/kubeadm:kubelet-config',
      'Role kube-system/kubeadm:nodes-kubeadm-config',
      'RoleBinding kube-public/kubeadm:bootstrap-signer-clusterinfo',
      'RoleBinding kube-system/kubeadm:kubeadm-certs',
      'RoleBinding kube-system/kubeadm:kubelet-config',
      'RoleBinding kube-system/kubeadm:nodes-kubeadm-config',
      'Secret kube-system/bootstrap-token-<upload-certs>',
      'Secret kube-system/bootstrap-token-abcdef',
      'Secret kube-system/kubeadm-certs',
    ]
    const coredns = [
      'ClusterRole system:coredns',
      'ClusterRoleBinding system:coredns',
      'ConfigMap kube-system/coredns',
      'Deployment kube-system/coredns',
      'Service kube-system/kube-dns',
      'ServiceAccount kube-system/coredns',
    ]
    const proxy = [
      'ClusterRoleBinding kubeadm:node-proxier',
      'ConfigMap kube-system/kube-proxy',
      'DaemonSet kube-system/kube-proxy',
      'Role kube-system/kube-proxy',
      'RoleBinding kube-system/kube-proxy',
      'ServiceAccount kube-system/kube-proxy',
    ]
    const expected = [...kubeadm, ...coredns, ...proxy]
    for (const e of expected) expect(created).toContain(e)
    const extra = created.filter((c) => !expected.includes(c))
    // the rest belongs to the spec's addons, each under its upstream names
    expect(extra).toContain('DaemonSet kube-system/aws-cloud-controller-manager')
    expect(extra).toContain('DaemonSet kube-flannel/kube-flannel-ds')
    expect(extra).toContain('DaemonSet kube-system/ebs-csi-node')
    expect(extra).toContain('CSIDriver ebs.csi.aws.com')
    expect(extra).toContain('StorageClass gp3')
    expect(
      extra.every((e) => /aws-cloud-controller-manager|cloud-controller-manager|flannel|ebs|gp3/.test(e)),
    ).toBe(true)
  })

  it("binds exactly kubeadm's subjects", () => {
    const crb = (n: string) => get('ClusterRoleBinding', undefined, n)!
    const subj = (n: string) =>
      crb(n).subjects.map((s: {kind: string; name: string}) => `${s.kind}:${s.name}`)
    const boot = 'Group:system:bootstrappers:kubeadm:default-node-token'
    expect(crb('kubeadm:kubelet-bootstrap').roleRef.name).toBe('system:node-bootstrapper')
    expect(subj('kubeadm:kubelet-bootstrap')).toEqual([boot])
    expect(crb('kubeadm:node-autoapprove-bootstrap').roleRef.name).toBe(
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    )
    expect(subj('kubeadm:node-autoapprove-bootstrap')).toEqual([boot])
    expect(crb('kubeadm:node-autoapprove-certificate-rotation').roleRef.name).toBe(
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    )
    expect(subj('kubeadm:node-autoapprove-certificate-rotation')).toEqual(['Group:system:nodes'])
    expect(subj('kubeadm:get-nodes')).toEqual([boot])
    expect(get('ClusterRole', undefined, 'kubeadm:get-nodes')!.rules).toEqual([
      {verbs: ['get'], apiGroups: [''], resources: ['nodes']},
    ])
    expect(crb('kubeadm:cluster-admins').roleRef.name).toBe('cluster-admin')
    expect(subj('kubeadm:cluster-admins')).toEqual(['Group:kubeadm:cluster-admins'])
    const rb = get('RoleBinding', 'kube-public', 'kubeadm:bootstrap-signer-clusterinfo')!
    expect(rb.subjects).toEqual([
      {kind: 'User', name: 'system:anonymous', apiGroup: 'rbac.authorization.k8s.io'},
    ])
    expect(get('Role', 'kube-public', 'kubeadm:bootstrap-signer-clusterinfo')!.rules).toEqual([
      {verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info']},
    ])
  })

  it('stores the token, a signed cluster-info and the kubeadm/kubelet configuration', async () => {
    const secret = get('Secret', 'kube-system', 'bootstrap-token-abcdef')!
    expect(secret.type).toBe('bootstrap.kubernetes.io/token')
    const info = get('ConfigMap', 'kube-public', 'cluster-info')!
    const kc = parse(info.data.kubeconfig)
    expect(kc.clusters).toHaveLength(1)
    expect(kc.clusters[0].name).toBe('')
    expect(kc.clusters[0].cluster.server).toBe(cp.server)
    expect(kc.users).toBeNull()
    expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(
      readFileSync(join(cp.root, 'etc/kubernetes/pki/ca.crt'), 'utf8'),
    )
    const jws = info.data['jws-kubeconfig-abcdef']
    expect(verifyDetached(info.data.kubeconfig, jws, 'abcdef', '0123456789abcdef')).toBe(true)
    const cc = parse(get('ConfigMap', 'kube-system', 'kubeadm-config')!.data.ClusterConfiguration)
    expect(cc).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'ClusterConfiguration',
      kubernetesVersion: 'v1.37.2',
      networking: {podSubnet: '192.168.0.0/16', serviceSubnet: '10.96.0.0/12'},
    })
    expect(get('ConfigMap', 'kube-system', 'kubelet-config')!.data.kubelet).toBe(
      readFileSync(join(cp.root, 'var/lib/kubelet/config.yaml'), 'utf8'),
    )
    expect(get('Service', 'kube-system', 'kube-dns')!.spec.clusterIP).toBe('10.96.0.10')
    const sc = get('StorageClass', undefined, 'gp3')!
    expect(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class']).toBe('true')
    expect(sc.parameters).toEqual({type: 'gp3', encrypted: 'true'})
  })

  it('uploads the CAs encrypted with the certificate key, owned by a short-lived token', () => {
    const s = get('Secret', 'kube-system', 'kubeadm-certs')!
    expect(Object.keys(s.data).sort()).toEqual([
      'ca.crt',
      'ca.key',
      'etcd-ca.crt',
      'etcd-ca.key',
      'front-proxy-ca.crt',
      'front-proxy-ca.key',
      'sa.key',
      'sa.pub',
    ])
    const caKey = readFileSync(join(cp.root, 'etc/kubernetes/pki/ca.key'))
    const stored = Buffer.from(s.data['ca.key'], 'base64')
    expect(stored.includes(caKey.subarray(40, 80))).toBe(false)
    expect(decryptBytes(stored, Buffer.from(CERT_KEY, 'hex')).equals(caKey)).toBe(true)
    expect(() => decryptBytes(stored, Buffer.alloc(32, 1))).toThrow('certificate key does not match')
    const owner = s.metadata.ownerReferences![0]!
    const token = get('Secret', 'kube-system', owner.name)!
    expect(owner).toMatchObject({kind: 'Secret', uid: token.metadata.uid, controller: true})
    const exp = new Date(Buffer.from(token.data.expiration, 'base64').toString()).getTime() - Date.now()
    expect(exp).toBeGreaterThan(115 * 60_000)
    expect(exp).toBeLessThanOrEqual(120 * 60_000)
    expect(Object.keys(token.data).some((k) => k.startsWith('usage-bootstrap-'))).toBe(false)
  })

  it('marks the control-plane node and moves the kubelet to a rotatable client certificate', () => {
    const node = get('Node', undefined, 'cp-1')!
    expect(node.metadata.labels).toMatchObject({
      'node-role.kubernetes.io/control-plane': '',
      'node.kubernetes.io/exclude-from-external-load-balancers': '',
    })
    expect(node.spec.taints).toEqual([{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}])
    const kubelet = parse(readFileSync(join(cp.root, 'etc/kubernetes/kubelet.conf'), 'utf8'))
    expect(kubelet.users[0].user).toEqual({
      'client-certificate': '/var/lib/kubelet/pki/kubelet-client-current.pem',
      'client-key': '/var/lib/kubelet/pki/kubelet-client-current.pem',
    })
  })

  it('re-runs single phases idempotently and honours --skip-phases', async () => {
    const again = await cp.run(['init', 'phase', 'bootstrap-token', '--config', cp.config])
    expect(again.code, again.stderr).toBe(0)
    const upload = await cp.run(['init', 'phase', 'upload-config', 'kubeadm', '--config', cp.config])
    expect(upload.code, upload.stderr).toBe(0)
    const bad = await cp.run(['init', 'phase', 'nope', '--config', cp.config])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('invalid phase name: nope')
    // remove two addon objects; a run that skips one addon restores only the other
    cluster.store.delete(resourceByKind('DaemonSet'), 'kube-system', 'kube-proxy')
    cluster.store.delete(resourceByKind('Deployment'), 'kube-system', 'coredns')
    const skip = await cp.run([
      'init',
      '--config',
      cp.config,
      '--skip-phases',
      'preflight,certs,kubeconfig,etcd,control-plane,kubelet-start,addon/kube-proxy',
    ])
    expect(skip.code, skip.stderr).toBe(0)
    expect(skip.stderr).toMatch(/- +addon\/kube-proxy: skipped by --skip-phases/)
    expect(get('Deployment', 'kube-system', 'coredns')).toBeDefined()
    expect(get('DaemonSet', 'kube-system', 'kube-proxy')).toBeUndefined()
  })
})
