/**
 * The contract of the Kubernetes API double (test/support/kube-api): every scenario here runs
 * twice, against the double and against the real kube-apiserver + kube-controller-manager (with a
 * real etcd, started with the flags and certificates kforge writes: test/support/real-apiserver.ts),
 * and asserts the same observable answers on both: status codes, reasons, the messages kforge
 * shows or matches on, the objects' shapes, and what the controllers kforge depends on do. The
 * scenarios are the API calls kforge makes (src/kube: client, apply, tokens, csr, drain) and the
 * server behaviour its node flows rely on (bootstrap tokens, anonymous cluster-info, RBAC, the
 * BootstrapSigner and TokenCleaner, CSR approval and signing, cordon and eviction, GC).
 */
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {verifyDetached} from '../../src/bootstrap/jws.js'
import {tokenToSecret} from '../../src/bootstrap/secret.js'
import {formatToken, generateToken, KUBEADM_DEFAULT_NODE_GROUP} from '../../src/bootstrap/token.js'
import {KubeClient} from '../../src/kube/client.js'
import {KUBELET_CLIENT_SIGNER, makeClientCsr, requestCertificate} from '../../src/kube/csr.js'
import {evictPod, podsOnNode} from '../../src/kube/drain.js'
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
  Nodes,
  Pods,
  type ResourceType,
  RoleBindings,
  Roles,
  Secrets,
} from '../../src/kube/resources.js'
import type {KubeObject, Pod} from '../../src/kube/types.js'
import {findKubeAssets} from '../../src/sandbox/kube-assets/build.js'
import {MODULE_ROOT} from '../../src/sandbox/kube-assets/paths.js'
import {tempDir} from '../support/cli.js'
import {issue, loadCa, makeCa, startKubeApi} from '../support/kube-api/index.js'
import type {Signer} from '../support/kube-api/pki.js'
import {startRealApiServer} from '../support/real-apiserver.js'

interface Target {
  url: string
  caPem: string
  admin: KubeClient
  /** A client certificate signed by the cluster CA: CN = user, O = groups. */
  as(user: string, groups?: string[]): Promise<KubeClient>
  /** An admin kubeconfig on disk, for kubectl. */
  adminKubeconfig: string
  close(): Promise<void>
}

async function clientFor(url: string, caPem: string, ca: Signer, user: string, groups: string[] = []) {
  const cert = await issue(ca, {commonName: user, organizations: groups, usage: 'client'})
  return new KubeClient({
    server: url,
    ca: Buffer.from(caPem),
    cert: Buffer.from(cert.certPem),
    key: Buffer.from(cert.keyPem!),
  })
}

async function doubleTarget(): Promise<Target> {
  const api = await startKubeApi()
  return {
    url: api.url,
    caPem: api.ca.certPem,
    admin: new KubeClient(await loadKubeconfig(api.adminKubeconfig)),
    as: (user, groups) => clientFor(api.url, api.ca.certPem, api.ca, user, groups),
    adminKubeconfig: api.adminKubeconfig,
    close: () => api.close(),
  }
}

async function realTarget(): Promise<Target> {
  const real = await startRealApiServer()
  const ca = await loadCa(real.caPem, real.caKeyPem)
  return {
    url: real.url,
    caPem: real.caPem,
    admin: new KubeClient(await loadKubeconfig(real.adminKubeconfig)),
    as: (user, groups) => clientFor(real.url, real.caPem, ca, user, groups),
    adminKubeconfig: real.adminKubeconfig,
    close: () => real.close(),
  }
}

const PDBS: ResourceType = {
  group: 'policy',
  version: 'v1',
  plural: 'poddisruptionbudgets',
  kind: 'PodDisruptionBudget',
  namespaced: true,
}
const LEASES: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
}

async function apiError(p: Promise<unknown>): Promise<KubeApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KubeApiError)
  return err as KubeApiError
}

/** code, reason and message: the part of a failure kforge branches on and shows. */
async function failure(p: Promise<unknown>): Promise<{code: number; reason: string; message: string}> {
  const err = await apiError(p)
  return {code: err.code, reason: err.reason, message: err.status?.message ?? ''}
}

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what}${last ? ` (${String(last)})` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe.each([
  ['the double', doubleTarget],
  ['the real kube-apiserver', realTarget],
])('API contract: %s', {timeout: 60_000}, (_name, start) => {
  let t: Target
  const anonymous = () => new KubeClient({server: t.url, ca: Buffer.from(t.caPem)})
  const withToken = (token: string) => new KubeClient({server: t.url, ca: Buffer.from(t.caPem), token})

  beforeAll(async () => {
    t = await start()
  }, 180_000)
  afterAll(async () => {
    t?.admin.close()
    await t?.close()
  })

  it('creates, reads, updates with resourceVersion checks, patches, lists and deletes', async () => {
    const cm = await t.admin.create(ConfigMaps, {
      metadata: {name: 'demo', namespace: 'default'},
      data: {a: '1'},
    })
    expect(cm.metadata.uid).toBeTruthy()
    expect(cm.kind).toBe('ConfigMap')
    const dup = await apiError(t.admin.create(ConfigMaps, {metadata: {name: 'demo', namespace: 'default'}}))
    expect(isAlreadyExists(dup)).toBe(true)
    expect(dup.status).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'configmaps "demo" already exists',
      details: {name: 'demo', kind: 'configmaps'},
    })

    const updated = await t.admin.update(ConfigMaps, {...cm, data: {a: '2'}})
    expect(updated.metadata.resourceVersion).not.toBe(cm.metadata.resourceVersion)
    const stale = await apiError(t.admin.update(ConfigMaps, {...cm, data: {a: '3'}}))
    expect(isConflict(stale)).toBe(true)
    expect(stale.status?.message).toBe(
      'Operation cannot be fulfilled on configmaps "demo": the object has been modified; please apply your changes to the latest version and try again',
    )
    // a PUT without resourceVersion is unconditional
    const {resourceVersion: _rv, ...noVersion} = updated.metadata
    await t.admin.update(ConfigMaps, {metadata: noVersion, data: {a: '2'}})

    const patched = await t.admin.patch(ConfigMaps, 'demo', 'default', {data: {b: 'x'}})
    expect(patched.data).toEqual({a: '2', b: 'x'})
    const removed = await t.admin.patch(ConfigMaps, 'demo', 'default', {data: {b: null}})
    expect(removed.data).toEqual({a: '2'})

    const {resourceVersion: patchedVersion} = (await t.admin.get(ConfigMaps, 'demo', 'default')).metadata
    expect(patchedVersion).toBe(removed.metadata.resourceVersion)
    const list = await t.admin.list(ConfigMaps, 'default')
    expect(list.kind).toBe('ConfigMapList')
    expect(list.metadata.resourceVersion).toBeTruthy()
    expect(list.items.map((i) => i.metadata.name)).toContain('demo')

    const precondition = await apiError(
      t.admin.delete(ConfigMaps, 'demo', 'default', {resourceVersion: cm.metadata.resourceVersion!}),
    )
    expect([precondition.code, precondition.reason]).toEqual([409, 'Conflict'])
    expect(precondition.status?.message).toBe(
      `Operation cannot be fulfilled on ConfigMap "demo": the ResourceVersion in the precondition (${cm.metadata.resourceVersion}) does not match the ResourceVersion in record (${patchedVersion}). The object might have been modified`,
    )
    await t.admin.delete(ConfigMaps, 'demo', 'default')
    const gone = await apiError(t.admin.get(ConfigMaps, 'demo', 'default'))
    expect(isNotFound(gone)).toBe(true)
    expect(gone.status).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'configmaps "demo" not found',
      details: {name: 'demo', kind: 'configmaps'},
    })
    expect(await t.admin.deleteIfExists(ConfigMaps, 'demo', 'default')).toBe(false)
    expect(await failure(t.admin.get(CertificateSigningRequests, 'nope'))).toEqual({
      code: 404,
      reason: 'NotFound',
      message: 'certificatesigningrequests.certificates.k8s.io "nope" not found',
    })
  })

  it('names generated objects from generateName and refuses invalid ones with 422 and field causes', async () => {
    const made = await t.admin.create(ConfigMaps, {metadata: {generateName: 'gen-', namespace: 'default'}})
    expect(made.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/)
    const err = await apiError(
      t.admin.create(ConfigMaps, {metadata: {name: 'Not_Valid', namespace: 'default'}}),
    )
    expect([err.code, err.reason]).toEqual([422, 'Invalid'])
    expect(err.status?.details?.causes?.[0]?.field).toBe('metadata.name')
    expect(err.status?.message).toMatch(
      /^ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain/,
    )
    expect(
      await failure(t.admin.create(ConfigMaps, {metadata: {name: 'x', namespace: 'no-such-ns'}})),
    ).toEqual({
      code: 404,
      reason: 'NotFound',
      message: 'namespaces "no-such-ns" not found',
    })
    // RBAC names may hold ':' (kubeadm's own roles do)
    await t.admin.create(Roles, {metadata: {name: 'kubeadm:contract', namespace: 'default'}, rules: []})
  })

  it('folds Secret stringData into base64 data and defaults the type', async () => {
    const s = await t.admin.create(Secrets, {
      metadata: {name: 'sd', namespace: 'default'},
      stringData: {k: 'v'},
    })
    expect(s.data).toEqual({k: Buffer.from('v').toString('base64')})
    expect(s.type).toBe('Opaque')
    const changed = await apiError(t.admin.update(Secrets, {...s, type: 'kubernetes.io/tls'}))
    expect([changed.code, changed.reason]).toEqual([422, 'Invalid'])
    expect(changed.status?.details?.causes?.map((c) => c.field)).toContain('type')
  })

  it("mounts the service account's token into pods unless told not to, and keeps mirror pods off it", async () => {
    // the ServiceAccount admission plugin: why a self-hosted control plane's DaemonSets set
    // automountServiceAccountToken: false, and why a checkpoint carries no service account
    const container = {name: 'c', image: 'registry.k8s.io/pause:3.10.2'}
    const ns = 'default'
    const mounted = await eventually('the default service account', async () =>
      t.admin.create(Pods, {metadata: {name: 'sa-mounted', namespace: ns}, spec: {containers: [container]}}),
    )
    expect(mounted.spec.serviceAccountName).toBe('default')
    const tokenVolume = mounted.spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'))
    expect(tokenVolume?.projected).toBeDefined()
    expect(mounted.spec.containers[0]!.volumeMounts).toContainEqual({
      name: tokenVolume!.name,
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    })
    const unmounted = await t.admin.create(Pods, {
      metadata: {name: 'sa-unmounted', namespace: ns},
      spec: {automountServiceAccountToken: false, containers: [container]},
    })
    expect(unmounted.spec.serviceAccountName).toBe('default')
    expect(unmounted.spec.volumes ?? []).toEqual([])
    const mirror = {
      metadata: {name: 'sa-mirror', namespace: ns, annotations: {'kubernetes.io/config.mirror': 'x'}},
      spec: {nodeName: 'no-such-node', serviceAccountName: 'default', containers: [container]},
    }
    const refused = await apiError(t.admin.create(Pods, mirror))
    expect(isForbidden(refused)).toBe(true)
    expect(refused.status?.message).toBe(
      'pods "sa-mirror" is forbidden: a mirror pod may not reference service accounts',
    )
    const {serviceAccountName: _sa, ...plain} = mirror.spec
    const accepted = await t.admin.create(Pods, {...mirror, spec: plain})
    expect(accepted.spec.serviceAccountName ?? '').toBe('')
    expect(accepted.spec.volumes ?? []).toEqual([])
    for (const name of ['sa-mounted', 'sa-unmounted', 'sa-mirror'])
      await t.admin.deleteIfExists(Pods, name, ns)
  })

  it('answers /healthz, /readyz, /version and discovery to anyone, and serves kubectl', async () => {
    for (const path of ['/healthz', '/readyz', '/livez']) {
      expect(await anonymous().health(path)).toMatchObject({ok: true, status: 200})
    }
    expect(await anonymous().request('GET', '/version')).toMatchObject({major: '1', gitVersion: 'v1.37.2'})
    // discovery is for authenticated users only
    expect((await failure(anonymous().request('GET', '/api'))).code).toBe(403)
    const user = await t.as('someone')
    expect(await user.request('GET', '/api/v1')).toMatchObject({kind: 'APIResourceList', groupVersion: 'v1'})
    await t.admin.create(ConfigMaps, {
      metadata: {name: 'for-kubectl', namespace: 'kube-system'},
      data: {x: 'y'},
    })
    const assets = findKubeAssets(MODULE_ROOT)
    if (!assets) throw new Error('the Kubernetes assets are missing: run `npm run kube-assets`')
    // async: the double serves from this process, a blocking exec would starve it
    const {stdout} = await promisify(execFile)(
      join(assets.bin, 'kubectl'),
      [
        '--kubeconfig',
        t.adminKubeconfig,
        'get',
        'configmap',
        'for-kubectl',
        '-n',
        'kube-system',
        '-o',
        'json',
      ],
      {encoding: 'utf8', env: {...process.env, KUBECACHEDIR: join(tempDir(), 'kubectl-cache')}},
    )
    expect(JSON.parse(stdout).data).toEqual({x: 'y'})
  })

  it('answers the etcd checks the roll guard reads (/readyz/etcd, /livez/etcd) to an admin, not to anonymous', async () => {
    for (const path of ['/readyz/etcd', '/livez/etcd']) {
      expect(await t.admin.health(path)).toMatchObject({ok: true, status: 200, body: 'ok'})
      // system:public-info-viewer grants /readyz and /livez, not the individual checks below them.
      expect(await anonymous().health(path)).toMatchObject({ok: false, status: 403})
    }
  })

  it("lets anonymous read cluster-info only once kubeadm's Role and RoleBinding exist", async () => {
    await t.admin.create(ConfigMaps, {
      metadata: {name: 'cluster-info', namespace: 'kube-public'},
      data: {kubeconfig: 'x'},
    })
    expect(await failure(anonymous().get(ConfigMaps, 'cluster-info', 'kube-public'))).toEqual({
      code: 403,
      reason: 'Forbidden',
      message:
        'configmaps "cluster-info" is forbidden: User "system:anonymous" cannot get resource "configmaps" in API group "" in the namespace "kube-public"',
    })
    await t.admin.create(Roles, {
      metadata: {name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public'},
      rules: [{verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info']}],
    })
    await t.admin.create(RoleBindings, {
      metadata: {name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public'},
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'kubeadm:bootstrap-signer-clusterinfo',
      },
      subjects: [{kind: 'User', name: 'system:anonymous', apiGroup: 'rbac.authorization.k8s.io'}],
    })
    const cm = await eventually('anonymous reads cluster-info', () =>
      anonymous().get(ConfigMaps, 'cluster-info', 'kube-public'),
    )
    expect(cm.data?.kubeconfig).toBe('x')
    expect(await failure(anonymous().list(ConfigMaps, 'kube-public'))).toEqual({
      code: 403,
      reason: 'Forbidden',
      message:
        'configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "kube-public"',
    })
    expect((await failure(anonymous().get(Secrets, 'sd', 'default'))).code).toBe(403)
    // a binding's roleRef cannot change
    const binding = await t.admin.get(RoleBindings, 'kubeadm:bootstrap-signer-clusterinfo', 'kube-public')
    const moved = await apiError(
      t.admin.update(RoleBindings, {...binding, roleRef: {...binding.roleRef, name: 'other'}}),
    )
    expect([moved.code, moved.reason]).toEqual([422, 'Invalid'])
  })

  it('authenticates bootstrap tokens from their Secret and refuses bad or expired ones with 401', async () => {
    const token = generateToken()
    await t.admin.create(Secrets, tokenToSecret({token, ttlMs: 60_000, groups: [KUBEADM_DEFAULT_NODE_GROUP]}))
    expect(await failure(withToken(formatToken(token)).list(Secrets, 'kube-system'))).toEqual({
      code: 403,
      reason: 'Forbidden',
      message: `secrets is forbidden: User "system:bootstrap:${token.id}" cannot list resource "secrets" in API group "" in the namespace "kube-system"`,
    })
    const wrong = await apiError(withToken(`${token.id}.0000000000000000`).list(Secrets, 'kube-system'))
    expect(isUnauthorized(wrong)).toBe(true)
    expect(wrong.status).toMatchObject({code: 401, reason: 'Unauthorized', message: 'Unauthorized'})
    // not bootstrap-shaped: no other token authenticator is configured
    expect((await failure(withToken('not-a-bootstrap-token').list(Secrets, 'default'))).code).toBe(401)

    const expired = generateToken()
    await t.admin.create(Secrets, tokenToSecret({token: expired, expires: new Date(Date.now() - 1000)}))
    expect(
      (await failure(withToken(formatToken(expired)).get(ConfigMaps, 'cluster-info', 'kube-public'))).code,
    ).toBe(401)
    // the TokenCleaner deletes an expired token's Secret
    await eventually('the expired token Secret deleted', async () =>
      (await t.admin.find(Secrets, `bootstrap-token-${expired.id}`, 'kube-system')) ? undefined : true,
    )
  })

  it('refuses a client certificate from another CA with 401 and maps CN/O to user/groups', async () => {
    const other = await makeCa('other')
    const cert = await issue(other, {
      commonName: 'mallory',
      organizations: ['system:masters'],
      usage: 'client',
    })
    const c = new KubeClient({
      server: t.url,
      ca: Buffer.from(t.caPem),
      cert: Buffer.from(cert.certPem),
      key: Buffer.from(cert.keyPem!),
    })
    expect((await failure(c.list(Secrets, 'default'))).code).toBe(401)
    const plain = await t.as('alice', ['team'])
    expect((await failure(plain.list(Secrets, 'default'))).message).toBe(
      'secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "default"',
    )
    await t.admin.create(ClusterRoleBindings, {
      metadata: {name: 'team-view'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
      subjects: [{kind: 'Group', name: 'team', apiGroup: 'rbac.authorization.k8s.io'}],
    })
    await eventually('the group binding honoured', () => plain.list(Secrets, 'default'))
  })

  it('signs cluster-info for signing tokens and drops signatures of removed tokens (BootstrapSigner)', async () => {
    const content = 'apiVersion: v1\nkind: Config\n'
    await t.admin.patch(ConfigMaps, 'cluster-info', 'kube-public', {data: {kubeconfig: content}})
    const signing = generateToken()
    const authOnly = generateToken()
    await t.admin.create(Secrets, tokenToSecret({token: signing, ttlMs: 60_000}))
    await t.admin.create(Secrets, tokenToSecret({token: authOnly, ttlMs: 60_000, usages: ['authentication']}))
    const data = await eventually('cluster-info signed', async () => {
      const cm = await t.admin.get(ConfigMaps, 'cluster-info', 'kube-public')
      return cm.data?.[`jws-kubeconfig-${signing.id}`] ? cm.data : undefined
    })
    expect(verifyDetached(content, data[`jws-kubeconfig-${signing.id}`]!, signing.id, signing.secret)).toBe(
      true,
    )
    expect(data[`jws-kubeconfig-${authOnly.id}`]).toBeUndefined()
    await t.admin.delete(Secrets, `bootstrap-token-${signing.id}`, 'kube-system')
    await eventually('the signature dropped', async () => {
      const cm = await t.admin.get(ConfigMaps, 'cluster-info', 'kube-public')
      return cm.data?.[`jws-kubeconfig-${signing.id}`] ? undefined : true
    })
  })

  it("lets the bootstrap group create CSRs only with kubeadm's bindings, then approves and signs them", async () => {
    const token = generateToken()
    await t.admin.create(Secrets, tokenToSecret({token, ttlMs: 60_000, groups: [KUBEADM_DEFAULT_NODE_GROUP]}))
    const boot = withToken(formatToken(token))
    const {csrPem, keyPem} = await makeClientCsr('system:node:worker-1', ['system:nodes'])
    const opts = {
      signerName: KUBELET_CLIENT_SIGNER,
      usages: ['digital signature', 'client auth'],
      intervalMs: 100,
    }
    expect(
      isForbidden(await requestCertificate(boot, csrPem, {...opts, timeoutMs: 600}).catch((e) => e)),
    ).toBe(true)

    const bind = (name: string, role: string) =>
      t.admin.create(ClusterRoleBindings, {
        metadata: {name},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role},
        subjects: [{kind: 'Group', name: KUBEADM_DEFAULT_NODE_GROUP, apiGroup: 'rbac.authorization.k8s.io'}],
      })
    await bind('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper')
    // the approver needs its SubjectAccessReview to pass: without the nodeclient binding it waits
    const pending = await eventually('the CSR created', () =>
      requestCertificate(boot, csrPem, {...opts, timeoutMs: 1500}).catch((e: unknown) =>
        isForbidden(e) ? undefined : e,
      ),
    )
    expect(String(pending)).toMatch(
      /timed out .* \(not approved; signer kubernetes.io\/kube-apiserver-client-kubelet\)/,
    )

    await bind(
      'kubeadm:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    )
    const {certPem, name} = await requestCertificate(boot, csrPem, {...opts, timeoutMs: 20_000})
    const csr = await t.admin.get(CertificateSigningRequests, name)
    expect(csr.spec.username).toBe(`system:bootstrap:${token.id}`)
    expect(csr.spec.groups).toEqual(
      expect.arrayContaining([KUBEADM_DEFAULT_NODE_GROUP, 'system:bootstrappers', 'system:authenticated']),
    )
    expect(csr.status?.conditions?.[0]).toMatchObject({
      type: 'Approved',
      status: 'True',
      reason: 'AutoApproved',
    })
    const dir = tempDir()
    writeFileSync(join(dir, 'ca.crt'), t.caPem)
    writeFileSync(join(dir, 'kubelet.crt'), certPem)
    const openssl = (args: string[]) => promisify(execFile)('openssl', args, {encoding: 'utf8'})
    expect(
      (await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'kubelet.crt')])).stdout,
    ).toContain('OK')
    const subject = (await openssl(['x509', '-noout', '-subject', '-in', join(dir, 'kubelet.crt')])).stdout
    expect(subject).toMatch(/O ?= ?system:nodes, CN ?= ?system:node:worker-1/)
    // the issued credential is a node's: its own Lease yes, kubeadm's config no
    const asNode = new KubeClient({
      server: t.url,
      ca: Buffer.from(t.caPem),
      cert: Buffer.from(certPem),
      key: Buffer.from(keyPem),
    })
    await asNode.create(LEASES, {
      metadata: {name: 'worker-1', namespace: 'kube-node-lease'},
      spec: {holderIdentity: 'worker-1', leaseDurationSeconds: 40},
    } as KubeObject)
    expect(await failure(asNode.get(ConfigMaps, 'kubeadm-config', 'kube-system'))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
    })
  })

  it('cordons and uncordons a node with merge patches, and lists the pods bound to it', async () => {
    await t.admin.create(Nodes, {metadata: {name: 'n1', labels: {'kubernetes.io/hostname': 'n1'}}})
    await t.admin.patch(Nodes, 'n1', undefined, {spec: {unschedulable: true}})
    expect((await t.admin.get(Nodes, 'n1')).spec?.unschedulable).toBe(true)
    await t.admin.patch(Nodes, 'n1', undefined, {spec: {unschedulable: null}})
    expect((await t.admin.get(Nodes, 'n1')).spec?.unschedulable).toBeUndefined()
    const bad = await apiError(
      t.admin.patch(Nodes, 'n1', undefined, {spec: {taints: [{key: 'k', effect: 'Sometimes'}]}}),
    )
    expect([bad.code, bad.reason]).toEqual([422, 'Invalid'])
    // upstream names the path metadata.taints
    expect(bad.status?.details?.causes?.[0]?.field).toBe('metadata.taints[0].effect')
    expect(bad.status?.message).toBe(
      'Node "n1" is invalid: metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    )
    for (const [name, nodeName] of [
      ['on-n1', 'n1'],
      ['elsewhere', 'n2'],
    ] as const) {
      await t.admin.create(Pods, {
        metadata: {name, namespace: 'default'},
        spec: {nodeName, containers: [{name: 'c', image: 'registry.k8s.io/pause:3.10.2'}]},
      } as Pod)
    }
    expect((await podsOnNode(t.admin, 'n1')).map((p) => p.metadata.name)).toEqual(['on-n1'])
    const list = await t.admin.list(Pods, undefined, {fieldSelector: 'spec.nodeName=n1'})
    expect(list.items.map((p) => p.metadata.name)).toEqual(['on-n1'])
  })

  it('evicts through the eviction subresource, and a PodDisruptionBudget refuses with 429', async () => {
    const labels = {app: 'guarded'}
    for (const name of ['g1', 'g2']) {
      const pod = await t.admin.create(Pods, {
        metadata: {name, namespace: 'default', labels},
        spec: {containers: [{name: 'c', image: 'registry.k8s.io/pause:3.10.2'}]},
      } as Pod)
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      await t.admin.update(
        Pods,
        {
          ...pod,
          status: {
            phase: 'Running',
            conditions: [{type: 'Ready', status: 'True', lastTransitionTime: now}],
          },
        } as Pod,
        'status',
      )
    }
    const pdb = await t.admin.create(PDBS, {
      metadata: {name: 'guard', namespace: 'default'},
      spec: {minAvailable: 2, selector: {matchLabels: labels}},
    } as KubeObject)
    // the disruption controller's answer in the budget's status is what an eviction goes by
    const status = await eventually('the budget observed', async () => {
      const b = (await t.admin.get(PDBS, 'guard', 'default')) as KubeObject & {
        status?: Record<string, unknown>
      }
      return b.status?.observedGeneration === pdb.metadata.generation && b.status?.currentHealthy === 2
        ? b.status
        : undefined
    })
    expect(status).toMatchObject({
      currentHealthy: 2,
      desiredHealthy: 2,
      expectedPods: 2,
      disruptionsAllowed: 0,
    })
    const g1 = await t.admin.get(Pods, 'g1', 'default')
    const blocked = await evictPod(t.admin, g1)
    expect(blocked).toEqual({
      status: 'blocked',
      why: "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget guard needs 2 healthy pods and has 2 currently",
    })
    await t.admin.patch(PDBS, 'guard', 'default', {spec: {minAvailable: 1}})
    await eventually('the budget allows one', async () => {
      const b = (await t.admin.get(PDBS, 'guard', 'default')) as KubeObject & {
        status?: Record<string, unknown>
      }
      return b.status?.disruptionsAllowed === 1 ? true : undefined
    })
    expect(await evictPod(t.admin, g1)).toEqual({status: 'evicted'})
    // an unscheduled pod has nothing to wait for: it is gone at once
    expect(await t.admin.find(Pods, 'g1', 'default')).toBeUndefined()
    expect(await evictPod(t.admin, g1)).toEqual({status: 'gone'})
  })

  it("deletes an owner's dependents (garbage collector), and orphans them on request", async () => {
    const owner = await t.admin.create(Secrets, {metadata: {name: 'owner', namespace: 'default'}})
    const ref = {apiVersion: 'v1', kind: 'Secret', name: 'owner', uid: owner.metadata.uid!}
    await t.admin.create(Secrets, {
      metadata: {name: 'dependent', namespace: 'default', ownerReferences: [ref]},
    })
    await t.admin.delete(Secrets, 'owner', 'default', {propagationPolicy: 'Background'})
    await eventually('the dependent collected', async () =>
      (await t.admin.find(Secrets, 'dependent', 'default')) ? undefined : true,
    )
    const owner2 = await t.admin.create(Secrets, {metadata: {name: 'owner2', namespace: 'default'}})
    const ref2 = {...ref, name: 'owner2', uid: owner2.metadata.uid!}
    await t.admin.create(Secrets, {metadata: {name: 'kept', namespace: 'default', ownerReferences: [ref2]}})
    await t.admin.delete(Secrets, 'owner2', 'default', {propagationPolicy: 'Orphan'})
    const kept = await eventually('the dependent orphaned', async () => {
      const s = await t.admin.find(Secrets, 'kept', 'default')
      return s && !s.metadata.ownerReferences ? s : undefined
    })
    expect(kept.metadata.name).toBe('kept')
  })
})
