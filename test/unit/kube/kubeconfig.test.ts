import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadKubeconfig, resolveKubeconfig} from '../../../src/kube/kubeconfig.js'
import {parseDuration} from '../../../src/kube/wait.js'
import {tempDir} from '../../support/cli.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('kubeconfig reader', () => {
  it('resolves the current context to server, CA and client certificate data', async () => {
    const creds = await resolveKubeconfig(`
apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: ${b64('CA')}}
users:
- name: admin
  user: {client-certificate-data: ${b64('CERT')}, client-key-data: ${b64('KEY')}}
contexts:
- name: admin@kubernetes
  context: {cluster: kubernetes, user: admin}
current-context: admin@kubernetes
`)
    expect(creds.server).toBe('https://10.0.0.1:6443')
    expect(creds.ca?.toString()).toBe('CA')
    expect(creds.cert?.toString()).toBe('CERT')
    expect(creds.key?.toString()).toBe('KEY')
    expect(creds.token).toBeUndefined()
  })

  it('reads referenced files relative to the kubeconfig, and absolute ones under the root dir', async () => {
    const root = tempDir()
    mkdirSync(join(root, 'var/lib/kubelet/pki'), {recursive: true})
    writeFileSync(join(root, 'var/lib/kubelet/pki/kubelet-client-current.pem'), 'PEM')
    writeFileSync(join(root, 'ca.crt'), 'CA-FILE')
    const path = join(root, 'kubelet.conf')
    writeFileSync(
      path,
      `clusters: [{name: c, cluster: {server: "https://x:1", certificate-authority: ca.crt}}]
users: [{name: u, user: {client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem, client-key: /var/lib/kubelet/pki/kubelet-client-current.pem}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
`,
    )
    const creds = await loadKubeconfig(path, {rootDir: root})
    expect(creds.ca?.toString()).toBe('CA-FILE')
    expect(creds.cert?.toString()).toBe('PEM')
  })

  it('names the missing piece', async () => {
    await expect(resolveKubeconfig('clusters: []\ncontexts: []\n', {path: 'x.conf'})).rejects.toThrow(
      'kubeconfig x.conf: no current-context set',
    )
    await expect(
      resolveKubeconfig('current-context: a\ncontexts: [{name: a, context: {cluster: nope}}]\n', {
        path: 'x.conf',
      }),
    ).rejects.toThrow('cluster "nope" of context "a" not found')
  })
})

describe('parseDuration', () => {
  it('reads Go durations', () => {
    expect(parseDuration('24h')).toBe(86_400_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('90s')).toBe(90_000)
    expect(parseDuration('0')).toBe(0)
    expect(() => parseDuration('1 day', '--ttl')).toThrow('--ttl: "1 day" is not a duration')
    expect(() => parseDuration('h')).toThrow()
  })
})
