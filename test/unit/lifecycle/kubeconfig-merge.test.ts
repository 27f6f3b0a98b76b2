/**
 * Merging a cluster's entries into a kubeconfig: which file, what is replaced, what is kept, and
 * that kubectl reads the result.
 */
import {execFileSync} from 'node:child_process'
import {lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {splitAdminFlag} from '../../../src/cli/admin-flag.js'
import {
  kubeconfigTarget,
  mergeKubeconfig,
  writeKubeconfigEntry,
} from '../../../src/lifecycle/kubeconfig-merge.js'
import {tempDir} from '../../support/cli.js'

const EXISTING = `apiVersion: v1
kind: Config
clusters:
- name: alpha
  cluster:
    server: https://alpha.example.com:6443
- name: beta
  cluster:
    server: https://beta.example.com:6443
    insecure-skip-tls-verify: true
users:
- name: alpha-admin
  user:
    token: alpha-token-value
- name: beta-user
  user:
    username: beta
    password: secret-pass
contexts:
- name: alpha
  context:
    cluster: alpha
    user: alpha-admin
    namespace: kube-system
- name: beta
  context:
    cluster: beta
    user: beta-user
current-context: alpha
preferences:
  colors: true
extensions:
- name: my-extension
  extension:
    some: value
`

const ENTRY = {
  name: 'demo.example.com',
  cluster: {server: 'https://api.demo.example.com:443', 'certificate-authority-data': 'Q0E='},
  user: {'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ'},
}

function kubectl(file: string, ...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', file, ...args], {encoding: 'utf8'})
}

describe('kubeconfigTarget', () => {
  it('is --kubeconfig, else the first file of KUBECONFIG, else ~/.kube/config', () => {
    expect(kubeconfigTarget('/tmp/x/conf', {KUBECONFIG: '/a:/b'}, '/home/u')).toBe('/tmp/x/conf')
    expect(kubeconfigTarget(undefined, {KUBECONFIG: '/a/one:/b/two'}, '/home/u')).toBe('/a/one')
    expect(kubeconfigTarget(undefined, {KUBECONFIG: ':/b/two'}, '/home/u')).toBe('/b/two')
    expect(kubeconfigTarget(undefined, {}, '/home/u')).toBe('/home/u/.kube/config')
    expect(kubeconfigTarget(undefined, {KUBECONFIG: ''}, '/home/u')).toBe('/home/u/.kube/config')
  })
})

describe('mergeKubeconfig', () => {
  it('adds the cluster, user and context, selects it, and keeps every other entry and field', () => {
    const {text} = mergeKubeconfig(EXISTING, ENTRY)
    const merged = parse(text)
    const before = parse(EXISTING)
    expect(merged['current-context']).toBe('demo.example.com')
    expect(merged.clusters.slice(0, 2)).toEqual(before.clusters)
    expect(merged.users.slice(0, 2)).toEqual(before.users)
    expect(merged.contexts.slice(0, 2)).toEqual(before.contexts)
    expect(merged.preferences).toEqual({colors: true})
    expect(merged.extensions).toEqual(before.extensions)
    expect(merged.contexts[2]).toEqual({
      name: 'demo.example.com',
      context: {cluster: 'demo.example.com', user: 'demo.example.com'},
    })
  })

  it('replaces entries of the same name in place on a second export', () => {
    const first = mergeKubeconfig(EXISTING, ENTRY).text
    const second = mergeKubeconfig(first, {
      ...ENTRY,
      cluster: {...ENTRY.cluster, server: 'https://api2.demo.example.com:443'},
    }).text
    const merged = parse(second)
    expect(merged.clusters).toHaveLength(3)
    expect(merged.users).toHaveLength(3)
    expect(merged.contexts).toHaveLength(3)
    expect(merged.clusters[2].cluster.server).toBe('https://api2.demo.example.com:443')
  })

  it('without credentials keeps an existing user entry of that name, else adds an empty one', () => {
    const withCreds = mergeKubeconfig(EXISTING, ENTRY).text
    const again = mergeKubeconfig(withCreds, {name: ENTRY.name, cluster: ENTRY.cluster})
    expect(again.keptUser).toBe(true)
    expect(parse(again.text).users[2].user).toEqual(ENTRY.user)
    const fresh = mergeKubeconfig(EXISTING, {name: ENTRY.name, cluster: ENTRY.cluster})
    expect(fresh.keptUser).toBe(false)
    expect(parse(fresh.text).users[2]).toEqual({name: ENTRY.name, user: {}})
  })

  it('refuses a file that is not a kubeconfig, naming it', () => {
    expect(() => mergeKubeconfig('- a\n- b\n', ENTRY, '/home/u/.kube/config')).toThrow(
      'kubeconfig /home/u/.kube/config: expected a mapping',
    )
    expect(() => mergeKubeconfig('clusters: {a: 1}\n', ENTRY, 'f')).toThrow(
      'kubeconfig f: clusters must be a list',
    )
    expect(() => mergeKubeconfig('a: [\n', ENTRY, 'f')).toThrow('kubeconfig f: not valid YAML')
  })
})

describe('writeKubeconfigEntry', () => {
  it('writes 0600 and kubectl sees every context, the new one current', async () => {
    const dir = tempDir()
    const file = join(dir, 'config')
    writeFileSync(file, EXISTING, {mode: 0o644})
    const out = await writeKubeconfigEntry(file, ENTRY)
    expect(out).toEqual({file, created: false, keptUser: false})
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(kubectl(file, 'config', 'current-context').trim()).toBe('demo.example.com')
    expect(kubectl(file, 'config', 'get-contexts', '-o', 'name').trim().split('\n').sort()).toEqual([
      'alpha',
      'beta',
      'demo.example.com',
    ])
    const view = parse(kubectl(file, 'config', 'view', '--raw', '-o', 'yaml'))
    expect(view.users.find((u: {name: string}) => u.name === 'alpha-admin').user.token).toBe(
      'alpha-token-value',
    )
  })

  it('creates the file and its directory when missing, private to the user', async () => {
    const dir = tempDir()
    const file = join(dir, 'home', '.kube', 'config')
    const out = await writeKubeconfigEntry(file, ENTRY)
    expect(out.created).toBe(true)
    expect(statSync(join(dir, 'home', '.kube')).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(kubectl(file, 'config', 'current-context').trim()).toBe('demo.example.com')
  })

  it('writes through a symlink to its target', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'real'))
    writeFileSync(join(dir, 'real', 'config'), EXISTING)
    symlinkSync(join(dir, 'real', 'config'), join(dir, 'link'))
    await writeKubeconfigEntry(join(dir, 'link'), ENTRY)
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true)
    expect(parse(readFileSync(join(dir, 'real', 'config'), 'utf8'))['current-context']).toBe(
      'demo.example.com',
    )
  })
})

describe('splitAdminFlag', () => {
  it('moves an optional duration after --admin to --admin-duration', () => {
    expect(splitAdminFlag(['c', '--admin'])).toEqual(['c', '--admin'])
    expect(splitAdminFlag(['c', '--admin', '2h'])).toEqual(['c', '--admin', '--admin-duration=2h'])
    expect(splitAdminFlag(['c', '--admin=1h30m'])).toEqual(['c', '--admin', '--admin-duration=1h30m'])
    expect(splitAdminFlag(['--admin', '--kubeconfig', 'f', 'c'])).toEqual([
      '--admin',
      '--kubeconfig',
      'f',
      'c',
    ])
    expect(splitAdminFlag(['--admin', 'demo.example.com'])).toEqual(['--admin', 'demo.example.com'])
  })
})
