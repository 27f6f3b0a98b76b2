/**
 * `kforge reset` removes what init wrote under the root dir — and nothing else, never outside it —
 * after asking (y/N on stdin) unless --force.
 */
import {existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runKforge, tempDir} from '../support/cli.js'

const OFFLINE =
  'wait-control-plane,upload-config,upload-certs,mark-control-plane,bootstrap-token,kubelet-finalize,addon,self-hosting,show-join-command'
let template: string

function tree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, e.name)
      out.push(relative(dir, p))
      if (e.isDirectory()) walk(p)
    }
  }
  walk(dir)
  return out.sort()
}

/** A node as init leaves it (offline phases), plus files that are not init's. */
async function initialisedNode(): Promise<string> {
  const root = tempDir('kforge-reset-')
  const {cpSync} = await import('node:fs')
  cpSync(template, root, {recursive: true, verbatimSymlinks: true})
  return root
}

beforeAll(async () => {
  template = tempDir('kforge-reset-template-')
  writeFileSync(
    join(template, 'kubeadm.yaml'),
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 127.0.0.41, bindPort: 6443}
nodeRegistration: {name: cp-r, ignorePreflightErrors: [all]}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
encryptionAlgorithm: ECDSA-P256
`,
  )
  const r = await runKforge([
    'init',
    '--config',
    join(template, 'kubeadm.yaml'),
    '--root-dir',
    template,
    '--skip-phases',
    OFFLINE,
  ])
  expect(r.code, r.stderr).toBe(0)
  mkdirSync(join(template, 'var/lib/etcd/member'), {recursive: true})
  writeFileSync(join(template, 'var/lib/etcd/member/wal'), 'data')
  mkdirSync(join(template, 'etc/kforge'), {recursive: true})
  writeFileSync(join(template, 'etc/kforge/node.yaml'), 'kind: NodeBootstrap\n')
  writeFileSync(join(template, 'etc/hostname'), 'cp-r\n')
  // what the pod-identity-webhook phase adds on a control plane of a cluster with a published issuer
  writeFileSync(join(template, 'etc/kubernetes/pod-identity-webhook.conf'), 'kind: Config\n', {mode: 0o600})
  mkdirSync(join(template, 'etc/systemd/system'), {recursive: true})
  writeFileSync(join(template, 'etc/systemd/system/kforge-pod-identity-webhook.service'), '[Service]\n')
}, 60_000)

describe('kforge reset', {timeout: 180_000}, () => {
  it('asks, and does nothing on "n" or on no answer', async () => {
    const root = await initialisedNode()
    const before = tree(root)
    for (const input of ['n\n', '']) {
      const r = await runKforge(['reset', '--root-dir', root], {input})
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain('Are you sure you want to proceed? [y/N]')
      expect(r.stderr).toContain('reset aborted')
      expect(tree(root)).toEqual(before)
    }
  })

  it('on "y" removes manifests, kubeconfigs, kubelet state, etcd data and PKI, and nothing else', async () => {
    const root = await initialisedNode()
    expect(existsSync(join(root, 'etc/kubernetes/pki/ca.key'))).toBe(true)
    const r = await runKforge(['reset', '--root-dir', root], {input: 'y\n'})
    expect(r.code, r.stderr).toBe(0)
    // as kubeadm's CleanDir: the directories stay, empty (one may be a mount point of its own)
    expect(tree(root)).toEqual([
      'etc',
      'etc/hostname',
      'etc/kforge',
      'etc/kforge/node.yaml',
      'etc/kubernetes',
      'etc/kubernetes/manifests',
      'etc/kubernetes/pki',
      'etc/systemd',
      'etc/systemd/system',
      'kubeadm.yaml',
      'var',
      'var/lib',
      'var/lib/etcd',
      'var/lib/kubelet',
    ])
    expect(r.stdout).toContain('/etc/kubernetes/manifests')
    expect(r.stdout).toContain('/var/lib/etcd')
  })

  it('--force --keep-pki keeps the certificates; --dry-run and -o json report without removing', async () => {
    const root = await initialisedNode()
    const before = tree(root)
    const dry = await runKforge(['reset', '--root-dir', root, '--dry-run', '-o', 'json'])
    expect(dry.code, dry.stderr).toBe(0)
    const report = JSON.parse(dry.stdout)
    expect(report.removed).toEqual(
      expect.arrayContaining(['/etc/kubernetes/admin.conf', '/etc/kubernetes/pki', '/var/lib/kubelet']),
    )
    expect(tree(root)).toEqual(before)
    const r = await runKforge(['reset', '--root-dir', root, '--force', '--keep-pki'])
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(join(root, 'etc/kubernetes/pki/ca.key'))).toBe(true)
    expect(existsSync(join(root, 'etc/kubernetes/admin.conf'))).toBe(false)
    expect(readdirSync(join(root, 'etc/kubernetes/manifests'))).toEqual([])
  })

  it('never touches paths outside the root dir, through .. or symlinks', async () => {
    const outside = tempDir('kforge-outside-')
    mkdirSync(join(outside, 'kubelet'), {recursive: true})
    writeFileSync(join(outside, 'kubelet/precious'), 'keep me')
    writeFileSync(join(outside, 'admin.conf'), 'not yours')

    // a symlinked parent directory: refused before anything is removed
    const root = await initialisedNode()
    rmSync(join(root, 'var/lib'), {recursive: true})
    symlinkSync(outside, join(root, 'var/lib'))
    const before = tree(root)
    const r = await runKforge(['reset', '--root-dir', root, '--force'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/refusing \/var\/lib\/\S+: .* resolves to .*outside the root dir/)
    expect(tree(root)).toEqual(before)
    expect(existsSync(join(outside, 'kubelet/precious'))).toBe(true)

    // a symlink as the file itself: the link goes, its target stays
    const root2 = await initialisedNode()
    rmSync(join(root2, 'etc/kubernetes/admin.conf'))
    symlinkSync(join(outside, 'admin.conf'), join(root2, 'etc/kubernetes/admin.conf'))
    const r2 = await runKforge(['reset', '--root-dir', root2, '--force'])
    expect(r2.code, r2.stderr).toBe(0)
    expect(existsSync(join(root2, 'etc/kubernetes/admin.conf'))).toBe(false)
    expect(statSync(join(outside, 'admin.conf')).isFile()).toBe(true)
    expect(existsSync(join(outside, 'kubelet/precious'))).toBe(true)
  })
})
