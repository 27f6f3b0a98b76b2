/**
 * The API double behaves like kube-apiserver where kforge depends on it: REST shapes and errors,
 * authentication and RBAC, the BootstrapSigner, CSR approval/signing and DaemonSets on a
 * simulated kubelet. Driven with kforge's own client and, where it matters, with kubectl.
 */
import {execFile, execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {verifyDetached} from '../../src/bootstrap/jws.js'
import {tokenToSecret} from '../../src/bootstrap/secret.js'
import {formatToken, generateToken, KUBEADM_DEFAULT_NODE_GROUP} from '../../src/bootstrap/token.js'
import {KubeClient} from '../../src/kube/client.js'
import {KUBELET_CLIENT_SIGNER, makeClientCsr, requestCertificate} from '../../src/kube/csr.js'
import {
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
  isUnauthorized,
  KubeApiError,
} from '../../src/kube/errors.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {
  CertificateSigningRequests,
  ClusterRoleBindings,
  ConfigMaps,
  DaemonSets,
  Pods,
  RoleBindings,
  Roles,
  Secrets,
} from '../../src/kube/resources.js'
import {tempDir} from '../support/cli.js'
import {
  type KubeApi,
  kubeconfigYaml,
  makeCa,
  SimCluster,
  SimNode,
  startKubeApi,
} from '../support/kube-api/index.js'

let api: KubeApi
let admin: KubeClient

beforeAll(async () => {
  api = await startKubeApi()
  admin = new KubeClient(await loadKubeconfig(api.adminKubeconfig))
})
afterAll(async () => {
  admin?.close()
  await api?.close()
})

function anonymous(): KubeClient {
  return new KubeClient({server: api.url, ca: Buffer.from(api.ca.certPem)})
}

async function expectApiError(p: Promise<unknown>, code: number, reason: string): Promise<KubeApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KubeApiError)
  expect((err as KubeApiError).code).toBe(code)
  expect((err as KubeApiError).reason).toBe(reason)
  return err as KubeApiError
}

describe('REST semantics', () => {
  it('creates, reads, updates with resourceVersion checks, and deletes', async () => {
    const cm = await admin.create(ConfigMaps, {
      metadata: {name: 'demo', namespace: 'default'},
      data: {a: '1'},
    })
    expect(cm.metadata.uid).toBeTruthy()
    expect(cm.kind).toBe('ConfigMap')
    const dup = await expectApiError(
      admin.create(ConfigMaps, {metadata: {name: 'demo', namespace: 'default'}}),
      409,
      'AlreadyExists',
    )
    expect(dup.message).toContain('configmaps "demo" already exists')
    expect(isAlreadyExists(dup)).toBe(true)

    const updated = await admin.update(ConfigMaps, {...cm, data: {a: '2'}})
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(cm.metadata.resourceVersion))
    const stale = await expectApiError(admin.update(ConfigMaps, {...cm, data: {a: '3'}}), 409, 'Conflict')
    expect(isConflict(stale)).toBe(true)
    expect(stale.message).toContain('the object has been modified')

    const patched = await admin.patch(ConfigMaps, 'demo', 'default', {data: {b: 'x'}})
    expect(patched.data).toEqual({a: '2', b: 'x'})

    const list = await admin.list(ConfigMaps, 'default')
    expect(list.kind).toBe('ConfigMapList')
    expect(list.items.map((i) => i.metadata.name)).toContain('demo')

    await admin.delete(ConfigMaps, 'demo', 'default')
    const gone = await expectApiError(admin.get(ConfigMaps, 'demo', 'default'), 404, 'NotFound')
    expect(isNotFound(gone)).toBe(true)
    expect(gone.message).toContain('configmaps "demo" not found')
  })

  it('rejects invalid objects with 422 and field causes', async () => {
    const err = await expectApiError(
      admin.create(ConfigMaps, {metadata: {name: 'Not_Valid', namespace: 'default'}}),
      422,
      'Invalid',
    )
    expect(err.status?.details?.causes?.[0]?.field).toBe('metadata.name')
    await expectApiError(
      admin.create(ConfigMaps, {metadata: {name: 'x', namespace: 'no-such-ns'}}),
      404,
      'NotFound',
    )
  })

  it('folds Secret stringData into base64 data', async () => {
    const s = await admin.create(Secrets, {
      metadata: {name: 'sd', namespace: 'default'},
      stringData: {k: 'v'},
    })
    expect(s.data).toEqual({k: Buffer.from('v').toString('base64')})
    expect(s.type).toBe('Opaque')
  })

  it('serves /healthz, /version and discovery that kubectl can use', async () => {
    expect((await admin.health()).ok).toBe(true)
    expect(await anonymous().request('GET', '/version')).toMatchObject({major: '1', gitVersion: 'v1.37.2'})
    await admin.create(ConfigMaps, {
      metadata: {name: 'for-kubectl', namespace: 'kube-system'},
      data: {x: 'y'},
    })
    // async: the double serves from this process, a blocking exec would starve it
    const {stdout: out} = await promisify(execFile)(
      'kubectl',
      [
        '--kubeconfig',
        api.adminKubeconfig,
        'get',
        'configmap',
        'for-kubectl',
        '-n',
        'kube-system',
        '-o',
        'json',
      ],
      {
        encoding: 'utf8',
        env: {...process.env, KUBECACHEDIR: join(api.dir, 'kubectl-cache')},
      },
    )
    expect(JSON.parse(out).data).toEqual({x: 'y'})
  })
})

describe('authentication and RBAC', () => {
  it("lets anonymous read cluster-info only once kubeadm's Role and RoleBinding exist", async () => {
    await admin.create(ConfigMaps, {
      metadata: {name: 'cluster-info', namespace: 'kube-public'},
      data: {kubeconfig: 'x'},
    })
    const before = await expectApiError(
      anonymous().get(ConfigMaps, 'cluster-info', 'kube-public'),
      403,
      'Forbidden',
    )
    expect(before.message).toContain('User "system:anonymous" cannot get resource "configmaps"')
    await admin.create(Roles, {
      metadata: {name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public'},
      rules: [{verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info']}],
    })
    await admin.create(RoleBindings, {
      metadata: {name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public'},
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'kubeadm:bootstrap-signer-clusterinfo',
      },
      subjects: [{kind: 'User', name: 'system:anonymous', apiGroup: 'rbac.authorization.k8s.io'}],
    })
    expect((await anonymous().get(ConfigMaps, 'cluster-info', 'kube-public')).data?.kubeconfig).toBeDefined()
    await expectApiError(anonymous().list(ConfigMaps, 'kube-public'), 403, 'Forbidden')
    await expectApiError(anonymous().get(Secrets, 'sd', 'default'), 403, 'Forbidden')
  })

  it('authenticates bootstrap tokens from their Secret and refuses bad or expired ones with 401', async () => {
    const token = generateToken()
    await admin.create(Secrets, tokenToSecret({token, ttlMs: 60_000, groups: [KUBEADM_DEFAULT_NODE_GROUP]}))
    const asToken = new KubeClient({
      server: api.url,
      ca: Buffer.from(api.ca.certPem),
      token: formatToken(token),
    })
    const err = await expectApiError(asToken.list(Secrets, 'kube-system'), 403, 'Forbidden')
    expect(err.message).toContain(`User "system:bootstrap:${token.id}"`)

    const wrong = new KubeClient({
      server: api.url,
      ca: Buffer.from(api.ca.certPem),
      token: `${token.id}.0000000000000000`,
    })
    expect(isUnauthorized(await wrong.list(Secrets, 'kube-system').catch((e) => e))).toBe(true)

    const expired = generateToken()
    await admin.create(Secrets, tokenToSecret({token: expired, expires: new Date(Date.now() - 1000)}))
    const old = new KubeClient({
      server: api.url,
      ca: Buffer.from(api.ca.certPem),
      token: formatToken(expired),
    })
    await expectApiError(old.get(ConfigMaps, 'cluster-info', 'kube-public'), 401, 'Unauthorized')
  })

  it('refuses a client certificate from another CA with 401 and maps CN/O to user/groups', async () => {
    const other = await makeCa('other')
    const {issue} = await import('../support/kube-api/pki.js')
    const cert = await issue(other, {
      commonName: 'mallory',
      organizations: ['system:masters'],
      usage: 'client',
    })
    const c = new KubeClient({
      server: api.url,
      ca: Buffer.from(api.ca.certPem),
      cert: Buffer.from(cert.certPem),
      key: Buffer.from(cert.keyPem!),
    })
    await expectApiError(c.list(Secrets, 'default'), 401, 'Unauthorized')
    const plain = new KubeClient(await loadKubeconfig(await api.userKubeconfig('alice', ['team'])))
    const err = await expectApiError(plain.list(Secrets, 'default'), 403, 'Forbidden')
    expect(err.message).toContain(
      'User "alice" cannot list resource "secrets" in API group "" in the namespace "default"',
    )
  })
})

describe('BootstrapSigner', () => {
  it('signs cluster-info for signing tokens and drops signatures of removed tokens', async () => {
    const content = 'apiVersion: v1\nkind: Config\n'
    await admin.patch(ConfigMaps, 'cluster-info', 'kube-public', {data: {kubeconfig: content}})
    const signing = generateToken()
    const authOnly = generateToken()
    await admin.create(Secrets, tokenToSecret({token: signing, ttlMs: 60_000}))
    await admin.create(Secrets, tokenToSecret({token: authOnly, ttlMs: 60_000, usages: ['authentication']}))
    const data = await waitFor(async () => {
      const cm = await admin.get(ConfigMaps, 'cluster-info', 'kube-public')
      return cm.data?.[`jws-kubeconfig-${signing.id}`] ? cm.data : undefined
    })
    expect(verifyDetached(content, data[`jws-kubeconfig-${signing.id}`]!, signing.id, signing.secret)).toBe(
      true,
    )
    expect(data[`jws-kubeconfig-${authOnly.id}`]).toBeUndefined()
    await admin.delete(Secrets, `bootstrap-token-${signing.id}`, 'kube-system')
    await waitFor(async () => {
      const cm = await admin.get(ConfigMaps, 'cluster-info', 'kube-public')
      return cm.data?.[`jws-kubeconfig-${signing.id}`] ? undefined : true
    })
  })
})

describe('CSR approval and signing', () => {
  it("lets the bootstrap group create CSRs only with kubeadm's bindings and signs with the cluster CA", async () => {
    const token = generateToken()
    await admin.create(Secrets, tokenToSecret({token, ttlMs: 60_000, groups: [KUBEADM_DEFAULT_NODE_GROUP]}))
    const boot = new KubeClient({server: api.url, ca: Buffer.from(api.ca.certPem), token: formatToken(token)})
    const {csrPem, keyPem} = await makeClientCsr('system:node:worker-1', ['system:nodes'])
    const opts = {
      signerName: KUBELET_CLIENT_SIGNER,
      usages: ['digital signature', 'client auth'],
      intervalMs: 50,
      timeoutMs: 600,
    }
    expect(isForbidden(await requestCertificate(boot, csrPem, opts).catch((e) => e))).toBe(true)

    const bind = (name: string, role: string) =>
      admin.create(ClusterRoleBindings, {
        metadata: {name},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role},
        subjects: [{kind: 'Group', name: KUBEADM_DEFAULT_NODE_GROUP, apiGroup: 'rbac.authorization.k8s.io'}],
      })
    await bind('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper')
    const pending = await requestCertificate(boot, csrPem, opts).catch((e) => e)
    expect(String(pending)).toMatch(
      /timed out .* \(not approved; signer kubernetes.io\/kube-apiserver-client-kubelet\)/,
    )

    await bind(
      'kubeadm:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    )
    const {certPem, name} = await requestCertificate(boot, csrPem, {...opts, timeoutMs: 5000})
    const csr = await admin.get(CertificateSigningRequests, name)
    expect(csr.spec.username).toBe(`system:bootstrap:${token.id}`)
    expect(csr.status?.conditions?.[0]).toMatchObject({type: 'Approved', reason: 'AutoApproved'})
    const dir = tempDir()
    writeFileSync(join(dir, 'ca.crt'), api.ca.certPem)
    writeFileSync(join(dir, 'kubelet.crt'), certPem)
    expect(
      execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'kubelet.crt')], {
        encoding: 'utf8',
      }),
    ).toContain('OK')
    const subject = execFileSync('openssl', ['x509', '-noout', '-subject', '-in', join(dir, 'kubelet.crt')], {
      encoding: 'utf8',
    })
    expect(subject).toMatch(/O ?= ?system:nodes, CN ?= ?system:node:worker-1/)
    // the issued credential works: the node can read its own Node object
    const asNode = new KubeClient({
      server: api.url,
      ca: Buffer.from(api.ca.certPem),
      cert: Buffer.from(certPem),
      key: Buffer.from(keyPem),
    })
    await expectApiError(asNode.get(ConfigMaps, 'kubeadm-config', 'kube-system'), 403, 'Forbidden')
  })
})

describe('simulated kubelet', () => {
  it('runs static pods with mirror pods, and DaemonSet pods scheduled to matching nodes', async () => {
    const cluster = new SimCluster()
    const ca = await makeCa()
    const {issue} = await import('../support/kube-api/pki.js')
    const root = tempDir()
    const pki = join(root, 'etc/kubernetes/pki')
    mkdirSync(pki, {recursive: true})
    mkdirSync(join(root, 'etc/kubernetes/manifests'), {recursive: true})
    const serving = await issue(ca, {commonName: 'kube-apiserver', usage: 'server', ips: ['127.0.0.1']})
    const adminCert = await issue(ca, {
      commonName: 'admin',
      organizations: ['system:masters'],
      usage: 'client',
    })
    writeFileSync(join(pki, 'ca.crt'), ca.certPem)
    writeFileSync(join(pki, 'ca.key'), ca.keyPem)
    writeFileSync(join(pki, 'apiserver.crt'), serving.certPem)
    writeFileSync(join(pki, 'apiserver.key'), serving.keyPem!)
    const {getFreePort} = await import('../support/kube-api/ports.js')
    const port = await getFreePort('127.0.0.1')
    const server = `https://127.0.0.1:${port}`
    writeFileSync(
      join(root, 'etc/kubernetes/kubelet.conf'),
      kubeconfigYaml({server, caPem: ca.certPem, certPem: adminCert.certPem, keyPem: adminCert.keyPem!}),
    )
    const pkiMount = {volumeMounts: [{name: 'k8s-certs', mountPath: '/etc/kubernetes/pki', readOnly: true}]}
    const volumes = [{name: 'k8s-certs', hostPath: {path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate'}}]
    const manifest = (name: string, command: string[]) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name, namespace: 'kube-system', labels: {component: name}},
        spec: {
          hostNetwork: true,
          containers: [{name, image: `registry.k8s.io/${name}:v1.37.2`, command, ...pkiMount}],
          volumes,
        },
      })
    writeFileSync(
      join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'),
      manifest('kube-apiserver', [
        'kube-apiserver',
        `--secure-port=${port}`,
        '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
        '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
        '--client-ca-file=/etc/kubernetes/pki/ca.crt',
      ]),
    )
    writeFileSync(
      join(root, 'etc/kubernetes/manifests/kube-controller-manager.yaml'),
      manifest('kube-controller-manager', [
        'kube-controller-manager',
        '--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt',
        '--cluster-signing-key-file=/etc/kubernetes/pki/ca.key',
      ]),
    )
    writeFileSync(
      join(root, 'etc/kubernetes/manifests/kube-scheduler.yaml'),
      manifest('kube-scheduler', ['kube-scheduler']),
    )
    const node = new SimNode(cluster, {rootDir: root, nodeName: 'cp-1'})
    node.start()
    try {
      const c = new KubeClient({
        server,
        ca: Buffer.from(ca.certPem),
        cert: Buffer.from(adminCert.certPem),
        key: Buffer.from(adminCert.keyPem!),
      })
      await waitFor(async () => ((await c.health().catch(() => undefined))?.ok ? true : undefined))
      const mirrors = await waitFor(async () => {
        const pods = (await c.list(Pods, 'kube-system')).items
        return pods.length === 3 &&
          pods.every((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))
          ? pods
          : undefined
      })
      expect(mirrors.map((p) => p.metadata.name).sort()).toEqual([
        'kube-apiserver-cp-1',
        'kube-controller-manager-cp-1',
        'kube-scheduler-cp-1',
      ])
      expect(mirrors[0]!.metadata.annotations?.['kubernetes.io/config.mirror']).toBeTruthy()

      await c.create(DaemonSets, {
        metadata: {name: 'agent', namespace: 'kube-system'},
        spec: {
          selector: {matchLabels: {app: 'agent'}},
          template: {
            metadata: {labels: {app: 'agent'}},
            spec: {containers: [{name: 'agent', image: 'busybox'}]},
          },
        },
      })
      const ds = await waitFor(async () => {
        const d = await c.get(DaemonSets, 'agent', 'kube-system')
        return d.status?.numberReady === 1 ? d : undefined
      })
      expect(ds.status?.desiredNumberScheduled).toBe(1)
      const agent = (await c.list(Pods, 'kube-system', {labelSelector: 'app=agent'})).items
      expect(agent).toHaveLength(1)
      expect(agent[0]!.spec.nodeName).toBe('cp-1')
      c.close()
    } finally {
      await node.stop()
      await cluster.close()
    }
  })
})

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}
