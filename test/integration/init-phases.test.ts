/**
 * `kforge init` and `kforge init phase ...` end to end through the built CLI, under a --root-dir:
 * every certificate checked with openssl, every kubeconfig with kubectl, the join command's pin
 * against openssl's, and the manifests and kubelet files against the config that made them.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {runKforge, tempDir} from '../support/cli.js'

const openssl = (args: string[], input?: string) =>
  execFileSync('openssl', args, {input, stdio: ['pipe', 'pipe', 'pipe']}).toString()
const kubectlView = (file: string) =>
  JSON.parse(
    execFileSync('kubectl', ['--kubeconfig', file, 'config', 'view', '--raw', '-o', 'json'], {
      env: {...process.env, KUBECONFIG: ''},
    }).toString(),
  ) as {
    'current-context': string
    clusters: {name: string; cluster: {server: string}}[]
    users: {name: string; user: {'client-certificate-data': string}}[]
  }
const subject = (pem: string) =>
  openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], pem)
    .trim()
    .replace(/^subject=/, '')
const sans = (file: string) => {
  const m = /X509v3 Subject Alternative Name:\s*\n\s*(.*)\n/.exec(
    openssl(['x509', '-noout', '-text', '-in', file]),
  )
  return m ? m[1]!.split(', ').sort() : []
}

const V1BETA4 = `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: abcdef.0123456789abcdef
nodeRegistration:
  name: cp-1
  kubeletExtraArgs:
  - name: node-labels
    value: role=cp
localAPIEndpoint:
  advertiseAddress: 192.0.2.10
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
clusterName: demo
controlPlaneEndpoint: api.demo.test:443
networking:
  podSubnet: 100.96.0.0/11
apiServer:
  certSANs: [10.0.0.99, extra.demo.test]
  extraArgs:
  - name: audit-log-path
    value: /var/log/kubernetes/audit.log
  - name: authorization-mode
    value: Node,RBAC,Webhook
  extraVolumes:
  - name: audit
    hostPath: /var/log/kubernetes
    mountPath: /var/log/kubernetes
    pathType: DirectoryOrCreate
etcd:
  local:
    serverCertSANs: [etcd.demo.test]
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 50
`

function configFile(text = V1BETA4): string {
  const file = join(tempDir(), 'kubeadm.yaml')
  writeFileSync(file, text)
  return file
}

/** Flags for an offline phase run on a node of its own under `root`. */
const offlineNode = (root: string) => [
  '--root-dir',
  root,
  '--apiserver-advertise-address',
  '10.0.0.1',
  '--node-name',
  'n1',
]

describe('kforge init phase certs all (RSA-2048, the default)', () => {
  let root: string
  beforeAll(async () => {
    root = tempDir()
    const r = await runKforge(['init', 'phase', 'certs', 'all', '--config', configFile(), '--root-dir', root])
    expect(r.code, r.stderr).toBe(0)
  })

  const pki = (f: string) => join(root, 'etc/kubernetes/pki', f)
  const leaves: [string, string, string][] = [
    ['apiserver', 'ca', 'CN=kube-apiserver'],
    ['apiserver-kubelet-client', 'ca', 'CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins'],
    ['front-proxy-client', 'front-proxy-ca', 'CN=front-proxy-client'],
    ['etcd/server', 'etcd/ca', 'CN=cp-1'],
    ['etcd/peer', 'etcd/ca', 'CN=cp-1'],
    ['etcd/healthcheck-client', 'etcd/ca', 'CN=kube-etcd-healthcheck-client'],
    ['apiserver-etcd-client', 'etcd/ca', 'CN=kube-apiserver-etcd-client'],
  ]

  it.each(leaves)('%s verifies against %s and has the subject of the table', (leaf, ca, want) => {
    expect(openssl(['verify', '-CAfile', pki(`${ca}.crt`), pki(`${leaf}.crt`)]).trim()).toBe(
      `${pki(`${leaf}.crt`)}: OK`,
    )
    expect(subject(readFileSync(pki(`${leaf}.crt`), 'utf8'))).toBe(want)
    expect(openssl(['x509', '-noout', '-text', '-in', pki(`${leaf}.crt`)])).toContain(
      'Public-Key: (2048 bit)',
    )
  })

  it('makes the three CAs with their subjects', () => {
    expect(subject(readFileSync(pki('ca.crt'), 'utf8'))).toBe('CN=kubernetes')
    expect(subject(readFileSync(pki('front-proxy-ca.crt'), 'utf8'))).toBe('CN=front-proxy-ca')
    expect(subject(readFileSync(pki('etcd/ca.crt'), 'utf8'))).toBe('CN=etcd-ca')
  })

  it('puts the SANs of the table on the serving certificates', () => {
    expect(sans(pki('apiserver.crt'))).toEqual(
      [
        'DNS:cp-1',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local',
        'DNS:api.demo.test',
        'DNS:extra.demo.test',
        'IP Address:10.96.0.1',
        'IP Address:192.0.2.10',
        'IP Address:10.0.0.99',
      ].sort(),
    )
    expect(sans(pki('etcd/server.crt'))).toEqual(
      [
        'DNS:cp-1',
        'DNS:localhost',
        'DNS:etcd.demo.test',
        'IP Address:192.0.2.10',
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
      ].sort(),
    )
  })

  it('writes every key 0600 and every certificate 0644', () => {
    const all = readdirSync(join(root, 'etc/kubernetes/pki'), {recursive: true}).map(String)
    const keys = all.filter((f) => f.endsWith('.key'))
    expect(keys.length).toBe(11)
    for (const k of keys) expect(statSync(pki(k)).mode & 0o777, k).toBe(0o600)
    for (const c of all.filter((f) => f.endsWith('.crt') || f.endsWith('.pub')))
      expect(statSync(pki(c)).mode & 0o777, c).toBe(0o644)
  })

  it('then `init phase kubeconfig all` writes kubeconfigs kubectl accepts, signed by that CA', async () => {
    const r = await runKforge([
      'init',
      'phase',
      'kubeconfig',
      'all',
      '--config',
      configFile(),
      '--root-dir',
      root,
    ])
    expect(r.code, r.stderr).toBe(0)
    // admin.conf through the cluster's endpoint; the control plane's own kubelet to its own API
    // server (never itself through the load balancer).
    for (const [file, user, server] of [
      ['admin.conf', 'kubernetes-admin', 'https://api.demo.test:443'],
      ['kubelet.conf', 'system:node:cp-1', 'https://192.0.2.10:6443'],
    ] as const) {
      const view = kubectlView(join(root, 'etc/kubernetes', file))
      expect(view['current-context']).toBe(`${user}@demo`)
      expect(view.clusters[0]!.cluster.server).toBe(server)
      const certFile = join(root, `${file}.crt`)
      writeFileSync(certFile, Buffer.from(view.users[0]!.user['client-certificate-data'], 'base64'))
      expect(openssl(['verify', '-CAfile', pki('ca.crt'), certFile])).toContain(': OK')
    }
    expect(
      readdirSync(join(root, 'etc/kubernetes'))
        .filter((f) => f.endsWith('.conf'))
        .sort(),
    ).toEqual(['admin.conf', 'controller-manager.conf', 'kubelet.conf', 'scheduler.conf', 'super-admin.conf'])
  })

  it('reuses everything on a second run', async () => {
    const before = readFileSync(pki('apiserver.crt'), 'utf8')
    const r = await runKforge(['init', 'phase', 'certs', '--config', configFile(), '--root-dir', root])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('Using the existing "apiserver" certificate and key')
    expect(readFileSync(pki('apiserver.crt'), 'utf8')).toBe(before)
  })
})

/** The phases that need an API server: tested elsewhere, against the API double. */
const API_PHASES =
  'wait-control-plane,upload-config,upload-certs,mark-control-plane,bootstrap-token,kubelet-finalize,addon'

describe('kforge init --cert-dir', () => {
  it('cannot leave --root-dir: a ".." is refused before anything is written', async () => {
    const parent = tempDir()
    const root = join(parent, 'node')
    mkdirSync(root)
    const r = await runKforge([
      'init',
      'phase',
      'certs',
      'all',
      '--root-dir',
      root,
      '--cert-dir',
      '/etc/kubernetes/../../../escaped',
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      'ClusterConfiguration.certificatesDir: "/etc/kubernetes/../../../escaped" must not contain ".." (it would leave the node\'s root)',
    )
    expect(existsSync(join(parent, 'escaped'))).toBe(false)
    expect(readdirSync(root)).toEqual([])
  })
})

describe('kforge init (whole offline workflow, kubeadm.k8s.io/v1 config with merge methods)', () => {
  const V1 = `apiVersion: kubeadm.k8s.io/v1
kind: InitConfiguration
bootstrapTokens:
- token: abcdef.0123456789abcdef
nodeRegistration:
  name: cp-1
  kubeletExtraArgs:
  - name: cloud-provider
    value: external
  - name: node-labels
    value: role=cp
localAPIEndpoint:
  advertiseAddress: 192.0.2.10
  bindPort: 8443
---
apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
kubernetesVersion: v1.36.3
apiServer:
  extraArgs:
  - name: authorization-mode
    value: ",Webhook"
    mergeMethod: append
  - name: audit-log-path
    value: /var/log/kubernetes/audit.log
controllerManager:
  extraArgs:
  - name: cloud-provider
    value: aws-ignored-by-test
scheduler:
  extraVolumes:
  - name: sched-config
    hostPath: /etc/kubernetes/sched.yaml
    mountPath: /etc/kubernetes/sched.yaml
    readOnly: true
    pathType: File
`
  let root: string
  let stdout: string
  beforeAll(async () => {
    root = tempDir()
    // no encryptionAlgorithm: RSA-2048 keys
    const r = await runKforge([
      'init',
      '--config',
      configFile(V1),
      '--allow-experimental-api',
      '--root-dir',
      root,
      '--skip-phases',
      API_PHASES,
    ])
    expect(r.code, r.stderr).toBe(0)
    stdout = r.stdout
  })
  const node = (f: string) => join(root, f)
  const manifest = (name: string) =>
    parse(readFileSync(node(`etc/kubernetes/manifests/${name}.yaml`), 'utf8'))
  const command = (name: string): string[] => manifest(name).spec.containers[0].command

  it('prints the join command with the pin openssl computes for ca.crt', () => {
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], {
      input: openssl(['x509', '-pubkey', '-noout', '-in', node('etc/kubernetes/pki/ca.crt')]),
    })
    const hex = execFileSync('sha256sum', {input: der}).toString().split(' ')[0]
    expect(stdout).toBe(
      `kforge join 192.0.2.10:8443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${hex}\n`,
    )
  })

  it('writes kubeconfigs kubectl reads, with the table subjects', () => {
    const want: Record<string, string> = {
      'admin.conf': 'CN=kubernetes-admin,O=kubeadm:cluster-admins',
      'super-admin.conf': 'CN=kubernetes-super-admin,O=system:masters',
      'kubelet.conf': 'CN=system:node:cp-1,O=system:nodes',
      'controller-manager.conf': 'CN=system:kube-controller-manager',
      'scheduler.conf': 'CN=system:kube-scheduler',
    }
    for (const [file, subj] of Object.entries(want)) {
      const path = node(`etc/kubernetes/${file}`)
      expect(statSync(path).mode & 0o777).toBe(0o600)
      const view = kubectlView(path)
      expect(view.clusters[0]!.cluster.server).toBe('https://192.0.2.10:8443')
      const cert = Buffer.from(view.users[0]!.user['client-certificate-data'], 'base64').toString()
      expect(subject(cert), file).toBe(subj)
    }
  })

  it('writes control-plane manifests with the extraArgs, kubeadm defaults and kforge choices', () => {
    const api = command('kube-apiserver')
    expect(api[0]).toBe('kube-apiserver')
    // appended to kubeadm's default in place
    expect(api).toContain('--authorization-mode=Node,RBAC,Webhook')
    expect(api).not.toContain('--authorization-mode=Node,RBAC')
    expect(api).toContain('--audit-log-path=/var/log/kubernetes/audit.log')
    expect(api).toContain('--secure-port=8443')
    expect(api).toContain('--enable-bootstrap-token-auth=true')
    expect(api.filter((a) => a.startsWith('--cloud-provider'))).toEqual([])
    // kubeadm v1.37's order: its defaults sorted by name, then the replacing extraArgs as written
    const name = (flag: string) => flag.slice(2, flag.indexOf('='))
    expect(api.at(-1)).toBe('--audit-log-path=/var/log/kubernetes/audit.log')
    expect(api.slice(1, -1).map(name)).toEqual(api.slice(1, -1).map(name).sort())
    expect(manifest('kube-apiserver').spec.containers[0].image).toBe('registry.k8s.io/kube-apiserver:v1.36.3')
    const kcm = command('kube-controller-manager')
    expect(kcm).toContain('--controllers=*,bootstrapsigner,tokencleaner')
    expect(kcm).toContain('--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt')
    expect(kcm).toContain('--cluster-signing-key-file=/etc/kubernetes/pki/ca.key')
    expect(kcm).toContain('--cloud-provider=aws-ignored-by-test')
    expect(kcm.filter((a) => a.startsWith('--cloud-provider'))).toHaveLength(1)
    const sched = manifest('kube-scheduler').spec
    expect(sched.volumes).toContainEqual({
      hostPath: {path: '/etc/kubernetes/sched.yaml', type: 'File'},
      name: 'sched-config',
    })
    expect(sched.containers[0].volumeMounts).toContainEqual({
      mountPath: '/etc/kubernetes/sched.yaml',
      name: 'sched-config',
      readOnly: true,
    })
    const etcd = command('etcd')
    expect(etcd).toContain('--name=cp-1')
    expect(etcd).toContain('--initial-cluster=cp-1=https://192.0.2.10:2380')
    expect(manifest('etcd').spec.containers[0].image).toBe('registry.k8s.io/etcd:3.7.0-0')
    expect(statSync(node('var/lib/etcd')).mode & 0o777).toBe(0o700)
  })

  it('writes the kubelet config and flags', () => {
    const override = hostname().toLowerCase() === 'cp-1' ? '' : ' --hostname-override=cp-1'
    expect(readFileSync(node('var/lib/kubelet/kubeadm-flags.env'), 'utf8')).toBe(
      `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock${override} --cloud-provider=external --node-labels=role=cp"\n`,
    )
    const cfg = parse(readFileSync(node('var/lib/kubelet/config.yaml'), 'utf8'))
    expect(cfg).toMatchObject({
      kind: 'KubeletConfiguration',
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      staticPodPath: '/etc/kubernetes/manifests',
    })
  })
})

describe('kforge init with a v1beta4 config', () => {
  it('merges the KubeletConfiguration document and honours extraVolumes and podSubnet', async () => {
    const root = tempDir()
    const r = await runKforge([
      'init',
      '--config',
      configFile(),
      '--root-dir',
      root,
      '--skip-phases',
      `certs,kubeconfig,show-join-command,${API_PHASES}`,
    ])
    expect(r.code, r.stderr).toBe(0)
    const kubelet = parse(readFileSync(join(root, 'var/lib/kubelet/config.yaml'), 'utf8'))
    expect(kubelet.maxPods).toBe(50)
    expect(kubelet.authentication.anonymous.enabled).toBe(false)
    const api = parse(readFileSync(join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8')).spec
    expect(api.volumes).toContainEqual({
      hostPath: {path: '/var/log/kubernetes', type: 'DirectoryOrCreate'},
      name: 'audit',
    })
    const kcm = parse(
      readFileSync(join(root, 'etc/kubernetes/manifests/kube-controller-manager.yaml'), 'utf8'),
    ).spec.containers[0].command
    expect(kcm).toContain('--cluster-cidr=100.96.0.0/11')
    expect(kcm).toContain('--allocate-node-cidrs=true')
    expect(kcm).toContain('--cluster-name=demo')
    expect(kcm).toContain('--cloud-provider=external')
    expect(r.stderr).toMatch(/- certs: skipped by --skip-phases/)
  })

  it('writes nothing in dry-run', async () => {
    const root = tempDir()
    const r = await runKforge([
      'init',
      '--config',
      configFile(),
      '--root-dir',
      root,
      '--dry-run',
      '--skip-phases',
      API_PHASES,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(root)).toEqual([])
    expect(r.stderr).toContain('[dry-run] would generate the "ca" CA')
  })

  it('makes ECDSA-P256 keys when encryptionAlgorithm says so, and show-join-command alone matches openssl', async () => {
    const root = tempDir()
    const file = configFile(
      V1BETA4.replace('clusterName: demo', 'clusterName: demo\nencryptionAlgorithm: ECDSA-P256'),
    )
    expect(
      (await runKforge(['init', 'phase', 'certs', 'ca', '--config', file, '--root-dir', root])).code,
    ).toBe(0)
    const ca = join(root, 'etc/kubernetes/pki/ca.crt')
    expect(openssl(['x509', '-noout', '-text', '-in', ca])).toContain('NIST CURVE: P-256')
    const r = await runKforge(['init', 'phase', 'show-join-command', '--config', file, '--root-dir', root])
    expect(r.code, r.stderr).toBe(0)
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], {
      input: openssl(['x509', '-pubkey', '-noout', '-in', ca]),
    })
    const hex = execFileSync('sha256sum', {input: der}).toString().split(' ')[0]
    expect(r.stdout).toBe(
      `kforge join api.demo.test:443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${hex}\n`,
    )
  })
})

describe('kforge init phase control-plane on a self-hosted node', () => {
  const flagsOf = (root: string, component: string) =>
    (
      parse(readFileSync(join(root, `etc/kubernetes/manifests/${component}.yaml`), 'utf8')) as {
        spec: {containers: {command: string[]}[]}
      }
    ).spec.containers[0]!.command.filter((a) => a.startsWith('--permit-port-sharing'))
  const components = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']

  it("shares the ports, so the pivot's DaemonSet pods bind beside the static pods with no gap", async () => {
    const root = tempDir()
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(
      join(root, 'etc/kforge/node.yaml'),
      'apiVersion: kforge.dev/v1alpha1\nkind: NodeBootstrap\nselfHosted: true\n',
    )
    const r = await runKforge(['init', 'phase', 'control-plane', 'all', ...offlineNode(root)])
    expect(r.code, r.stderr).toBe(0)
    for (const c of components) expect(flagsOf(root, c), c).toEqual(['--permit-port-sharing=true'])
  })

  it('leaves the ports unshared on a node that stays static, as kubeadm does', async () => {
    const root = tempDir()
    const r = await runKforge(['init', 'phase', 'control-plane', 'all', ...offlineNode(root)])
    expect(r.code, r.stderr).toBe(0)
    for (const c of components) expect(flagsOf(root, c), c).toEqual([])
  })
})

describe('kforge init errors', () => {
  it('reports unknown fields with their path and line, all at once', async () => {
    const bad = V1BETA4.replace('  certSANs:', '  certSANz:').replace(
      '  name: cp-1',
      '  name: cp-1\n  colour: blue',
    )
    const r = await runKforge([
      'init',
      'phase',
      'certs',
      '--config',
      configFile(bad),
      '--root-dir',
      tempDir(),
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(
      /ClusterConfiguration \(document 2\): apiServer\.certSANz: unknown field \(did you mean "certSANs"\?\) \(line 21\)/,
    )
    expect(r.stderr).toMatch(
      /InitConfiguration \(document 1\): nodeRegistration\.colour: unknown field .* \(line 7\)/,
    )
  })

  it('refuses v1beta4 list extraArgs written as a v1beta3 map, and unknown kinds', async () => {
    const bad = V1BETA4.replace(
      /extraArgs:\n {2}- name: audit-log-path\n {4}value: \/var\/log\/kubernetes\/audit.log\n {2}- name: authorization-mode\n {4}value: Node,RBAC,Webhook/,
      'extraArgs:\n    audit-log-path: /x',
    )
    const r = await runKforge([
      'init',
      'phase',
      'certs',
      '--config',
      configFile(`${bad}---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfig\n`),
      '--root-dir',
      tempDir(),
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/apiServer\.extraArgs: expected a list, got a mapping/)
    expect(r.stderr).toMatch(/kind: unknown kind "InitConfig"/)
  })

  it('refuses kubeadm.k8s.io/v1beta3 (removed in kubeadm v1.37) with the way to migrate, and v1 unless allowed', async () => {
    const v1beta3 = configFile(
      'apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nlocalAPIEndpoint: {advertiseAddress: 192.0.2.10}\n',
    )
    const root = tempDir()
    const r = await runKforge(['init', '--config', v1beta3, '--root-dir', root])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      `${v1beta3}: InitConfiguration (document 1): apiVersion: kubeadm.k8s.io/v1beta3 is no longer supported: kubeadm v1.37 removed it`,
    )
    expect(r.stderr).toContain(
      `Convert the file with kubeadm v1.36: kubeadm config migrate --old-config ${v1beta3} --new-config <new file>`,
    )
    expect(readdirSync(root)).toEqual([])
    const v1 = await runKforge([
      'init',
      '--config',
      configFile(V1BETA4.replaceAll('kubeadm.k8s.io/v1beta4', 'kubeadm.k8s.io/v1')),
      '--root-dir',
      root,
    ])
    expect(v1.code).not.toBe(0)
    expect(v1.stderr).toContain(
      'kubeadm.k8s.io/v1 is experimental in kubeadm v1.37 and not allowed without --allow-experimental-api',
    )
    expect(readdirSync(root)).toEqual([])
  })

  it('refuses to mix --config with configuration flags, as kubeadm does', async () => {
    const r = await runKforge(['init', '--config', configFile(), '--node-name', 'x', '--root-dir', tempDir()])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("can not mix '--config' with arguments [node-name]")
  })

  it("rejects unknown phase names with kubeadm's message", async () => {
    const r = await runKforge([
      'init',
      'phase',
      'certs',
      'nope',
      '--root-dir',
      tempDir(),
      '--apiserver-advertise-address',
      '10.0.0.1',
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('invalid phase name: certs/nope')
    const s = await runKforge([
      'init',
      '--skip-phases',
      'bogus',
      '--root-dir',
      tempDir(),
      '--apiserver-advertise-address',
      '10.0.0.1',
    ])
    expect(s.stderr).toContain('invalid phase name: bogus')
  })

  it('needs the CA before a leaf certificate', async () => {
    const root = tempDir()
    const r = await runKforge(['init', 'phase', 'certs', 'apiserver', ...offlineNode(root)])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/phase certs\/apiserver: .*pki\/ca.crt not found/)
    expect(readdirSync(root)).toEqual([])
  })

  it('fails preflight when manifests exist, unless ignored', async () => {
    const root = tempDir()
    const args = offlineNode(root)
    expect((await runKforge(['init', 'phase', 'control-plane', 'apiserver', ...args])).code).toBe(0)
    const r = await runKforge(['init', 'phase', 'preflight', ...args])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]')
    const ok = await runKforge([
      'init',
      'phase',
      'preflight',
      ...args,
      '--ignore-preflight-errors',
      'FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml',
    ])
    expect(ok.code, ok.stderr).toBe(0)
  })
})
