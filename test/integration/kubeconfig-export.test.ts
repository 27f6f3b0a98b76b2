/**
 * `kforge export kubeconfig` through the CLI: merged into a kubeconfig that already holds two
 * other contexts (kept, the new one selected), written 0600, honouring KUBECONFIG; `--admin`
 * issues a short-lived kubernetes-admin certificate from the CA in the state store, checked with
 * openssl and used by kubectl against the Kubernetes API double.
 */
import {execFile, execFileSync} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KubeClient} from '../../src/kube/client.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {saveClusterSpec} from '../../src/state/clusters.js'
import {LocalStateStore} from '../../src/state/local.js'
import {haPrivateCluster, publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'
import {type KubeApi, startKubeApi} from '../support/kube-api/index.js'

const NAME = 'kubeconfig-export.example.com'
const OTHERS = `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: {server: 'https://one.example.com:6443'}
- name: two
  cluster: {server: 'https://two.example.com:6443'}
users:
- name: one
  user: {token: one-token-0123456789}
- name: two
  user: {token: two-token-0123456789}
contexts:
- name: one
  context: {cluster: one, user: one}
- name: two
  context: {cluster: two, user: two}
current-context: two
`

function kubectl(file: string, ...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', file, ...args], {encoding: 'utf8'})
}

function userCert(file: string, context: string): string {
  const view = JSON.parse(kubectl(file, 'config', 'view', '--raw', '-o', 'json'))
  const user = view.users.find((u: {name: string}) => u.name === context)
  return Buffer.from(user.user['client-certificate-data'], 'base64').toString('utf8')
}

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, {encoding: 'utf8', ...(input ? {input} : {})})
}

describe('export kubeconfig', () => {
  let api: KubeApi
  let state: string
  let dir: string
  const env = () => ({...emulatorEnv('us-east-1'), KFORGE_STATE_STORE: state, HOME: dir, KUBECONFIG: ''})

  beforeAll(async () => {
    api = await startKubeApi()
    dir = tempDir()
    state = join(dir, 'state')
    const store = new LocalStateStore(state)
    await saveClusterSpec(store, haPrivateCluster(NAME))
    // The cluster CA, as the secrets step keeps it: here the double's own CA, so the exported
    // credentials can be used against it.
    await store.write(`${NAME}/pki/ca.crt`, api.ca.certPem)
    await store.write(`${NAME}/pki/ca.key`, api.ca.keyPem, {secret: true})
    const admin = new KubeClient(await loadKubeconfig(api.adminKubeconfig))
    await admin.create(
      {
        group: 'rbac.authorization.k8s.io',
        version: 'v1',
        plural: 'clusterrolebindings',
        kind: 'ClusterRoleBinding',
        namespaced: false,
      },
      {
        metadata: {name: 'kubeadm:cluster-admins'},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
        subjects: [{kind: 'Group', name: 'kubeadm:cluster-admins', apiGroup: 'rbac.authorization.k8s.io'}],
      } as never,
    )
    admin.close()
  })
  afterAll(async () => {
    await api?.close()
  })

  it('--admin merges into a kubeconfig with two other contexts, keeps them and selects the new one', async () => {
    const file = join(dir, 'merge.conf')
    writeFileSync(file, OTHERS, {mode: 0o644})
    const r = await runKforge(['export', 'kubeconfig', NAME, '--admin', '--kubeconfig', file], {env: env()})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`context "${NAME}" (server https://api.${NAME}:6443) is now current`)
    expect(kubectl(file, 'config', 'current-context').trim()).toBe(NAME)
    expect(kubectl(file, 'config', 'get-contexts', '-o', 'name').trim().split('\n').sort()).toEqual(
      [NAME, 'one', 'two'].sort(),
    )
    const view = JSON.parse(kubectl(file, 'config', 'view', '--raw', '-o', 'json'))
    expect(view.users.find((u: {name: string}) => u.name === 'one').user.token).toBe('one-token-0123456789')
    expect(view.clusters.find((c: {name: string}) => c.name === NAME).cluster.server).toBe(
      `https://api.${NAME}:6443`,
    )
    expect(statSync(file).mode & 0o777).toBe(0o600)
    // No private key reaches stdout.
    expect(r.stdout).not.toContain('PRIVATE KEY')

    const cert = userCert(file, NAME)
    const caFile = join(dir, 'ca.crt')
    writeFileSync(caFile, api.ca.certPem)
    const certFile = join(dir, 'admin.crt')
    writeFileSync(certFile, cert)
    expect(openssl(['verify', '-CAfile', caFile, certFile]).trim()).toBe(`${certFile}: OK`)
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', certFile]).trim()
    expect(subject).toBe('subject=CN=kubernetes-admin,O=kubeadm:cluster-admins')
    const end = openssl(['x509', '-noout', '-enddate', '-in', certFile]).trim().replace('notAfter=', '')
    const hours = (Date.parse(end) - Date.now()) / 3600_000
    expect(hours).toBeGreaterThan(17.9)
    expect(hours).toBeLessThanOrEqual(18)

    // The credential works: kubectl, as kubernetes-admin, through the kubeadm:cluster-admins binding.
    // (async: the double answers from this process, which a sync child would block)
    const {stdout} = await promisify(execFile)('kubectl', [
      '--kubeconfig',
      file,
      '--server',
      api.url,
      'get',
      'namespaces',
      '-o',
      'name',
    ])
    expect(stdout).toContain('namespace/kube-system')
  })

  it('writes to the first file of KUBECONFIG; --admin 2h sets the validity', async () => {
    const first = join(dir, 'first.conf')
    const second = join(dir, 'second.conf')
    writeFileSync(second, OTHERS)
    const r = await runKforge(['export', 'kubeconfig', NAME, '--admin', '2h'], {
      env: {...env(), KUBECONFIG: `${first}:${second}`},
    })
    expect(r.code).toBe(0)
    expect(readFileSync(second, 'utf8')).toBe(OTHERS)
    expect(kubectl(first, 'config', 'current-context').trim()).toBe(NAME)
    const certFile = join(dir, 'admin2.crt')
    writeFileSync(certFile, userCert(first, NAME))
    const end = openssl(['x509', '-noout', '-enddate', '-in', certFile]).trim().replace('notAfter=', '')
    const hours = (Date.parse(end) - Date.now()) / 3600_000
    expect(hours).toBeGreaterThan(1.9)
    expect(hours).toBeLessThanOrEqual(2)
  })

  it('defaults to ~/.kube/config; without --admin writes no credentials and says so', async () => {
    const r = await runKforge(['export', 'kubeconfig', NAME, '-o', 'json'], {env: env()})
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({
      file: join(dir, '.kube', 'config'),
      context: NAME,
      credentials: 'none',
      created: true,
    })
    expect(r.stderr).toContain('no credentials exported')
    const file = join(dir, '.kube', 'config')
    const view = JSON.parse(kubectl(file, 'config', 'view', '--raw', '-o', 'json'))
    expect(view['current-context']).toBe(NAME)
    expect(view.users.find((u: {name: string}) => u.name === NAME).user ?? {}).toEqual({})
    expect(view.clusters[0].cluster['certificate-authority-data']).toBe(
      Buffer.from(api.ca.certPem).toString('base64'),
    )
  })

  it('names what is missing: a cluster without PKI, a load balancer that does not exist yet', async () => {
    const store = new LocalStateStore(state)
    await saveClusterSpec(store, haPrivateCluster(`nopki.${NAME}`))
    const noPki = await runKforge(['export', 'kubeconfig', `nopki.${NAME}`, '--admin'], {env: env()})
    expect(noPki.code).not.toBe(0)
    expect(noPki.stderr).toContain(`nopki.${NAME}/pki/ca.crt and nopki.${NAME}/pki/ca.key not found`)

    await saveClusterSpec(store, publicSingleCluster(`nolb.${NAME}`))
    await store.write(`nolb.${NAME}/pki/ca.crt`, api.ca.certPem)
    const noLb = await runKforge(['export', 'kubeconfig', `nolb.${NAME}`], {env: env()})
    expect(noLb.code).not.toBe(0)
    expect(noLb.stderr).toContain('has no DNS records (spec.dns.type none) and its API load balancer')
  })
})
