/** `kforge token create|list|delete` through the built CLI against the API double over HTTPS. */
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readTokenSecret, type SecretObject} from '../../src/bootstrap/secret.js'
import {runKforge, tempDir} from '../support/cli.js'
import {type KubeApi, startKubeApi} from '../support/kube-api/index.js'
import {resourceByKind} from '../support/kube-api/registry.js'

let api: KubeApi
beforeAll(async () => {
  api = await startKubeApi()
})
afterAll(async () => {
  await api?.close()
})

const secrets = () => resourceByKind('Secret')

describe('kforge token', {timeout: 180_000}, () => {
  it('creates a token Secret kubeadm would read, lists it without its secret, and deletes it', async () => {
    const kc = ['--kubeconfig', api.adminKubeconfig]
    const created = await runKforge(['token', 'create', ...kc, '--ttl', '2h', '--description', 'for node-7'])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    const token = created.stdout.trim()
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/)
    const [id, secret] = token.split('.') as [string, string]

    const stored = api.cluster.store.get(secrets(), 'kube-system', `bootstrap-token-${id}`)!
    expect(stored.type).toBe('bootstrap.kubernetes.io/token')
    const contents = readTokenSecret(stored as SecretObject)
    expect(contents).toMatchObject({
      id,
      secret,
      description: 'for node-7',
      usages: ['signing', 'authentication'],
      groups: ['system:bootstrappers:kubeadm:default-node-token'],
    })
    const ttl = (contents.expiration as Date).getTime() - Date.now()
    expect(ttl).toBeGreaterThan(2 * 3600_000 - 60_000)
    expect(ttl).toBeLessThanOrEqual(2 * 3600_000)

    const list = await runKforge(['token', 'list', ...kc])
    expect(list.code).toBe(0)
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/)
    const row = list.stdout.split('\n').find((l) => l.startsWith(id))!
    expect(row).toMatch(
      new RegExp(
        `^${id}\\s+1h59m\\s+\\S+Z\\s+authentication,signing\\s+for node-7\\s+system:bootstrappers:kubeadm:default-node-token$`,
      ),
    )
    expect(list.stdout).not.toContain(secret)

    const json = await runKforge(['token', 'list', ...kc, '-o', 'json'])
    const entry = (JSON.parse(json.stdout) as {id: string}[]).find((t) => t.id === id)
    expect(entry).toMatchObject({id, usages: ['authentication', 'signing'], description: 'for node-7'})
    expect(json.stdout).not.toContain(secret)

    const del = await runKforge(['token', 'delete', ...kc, id])
    expect(del.code).toBe(0)
    expect(del.stdout).toBe(`bootstrap token "${id}" deleted\n`)
    expect(api.cluster.store.get(secrets(), 'kube-system', `bootstrap-token-${id}`)).toBeUndefined()
    const again = await runKforge(['token', 'delete', ...kc, id])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain(`bootstrap token "${id}" not found`)
  })

  it('honours --groups, --usages, ttl 0, a given token, and prints a join command with the openssl pin', async () => {
    const kc = ['--kubeconfig', api.adminKubeconfig]
    const given = 'abcdef.0123456789abcdef'
    const r = await runKforge([
      'token',
      'create',
      given,
      ...kc,
      '--ttl',
      '0',
      '--usages',
      'authentication',
      '--groups',
      'system:bootstrappers:ops',
      '--print-join-command',
    ])
    expect(r.code).toBe(0)
    const dir = tempDir()
    writeFileSync(join(dir, 'ca.crt'), api.ca.certPem)
    const {stdout: spki} = await promisify(execFile)('sh', [
      '-c',
      `openssl x509 -pubkey -in ${join(dir, 'ca.crt')} | openssl pkey -pubin -outform der | sha256sum`,
    ])
    const host = new URL(api.url).host
    expect(r.stdout.trim()).toBe(
      `kforge join ${host} --token ${given} --discovery-token-ca-cert-hash sha256:${spki.split(' ')[0]}`,
    )
    const c = readTokenSecret(
      api.cluster.store.get(secrets(), 'kube-system', 'bootstrap-token-abcdef') as SecretObject,
    )
    expect(c).toMatchObject({
      usages: ['authentication'],
      groups: ['system:bootstrappers:ops'],
      expiration: undefined,
    })
    const list = await runKforge(['token', 'list', ...kc])
    expect(list.stdout).toMatch(
      /abcdef\s+<forever>\s+<never>\s+authentication\s+<none>\s+system:bootstrappers:ops/,
    )
    const dup = await runKforge(['token', 'create', given, ...kc])
    expect(dup.code).not.toBe(0)
    expect(dup.stderr).toContain('a token with id "abcdef" already exists')
  })

  it('rejects bad input before touching the API, and reports an unauthorised kubeconfig', async () => {
    const kc = ['--kubeconfig', api.adminKubeconfig]
    const before = api.cluster.audit.length
    const badTtl = await runKforge(['token', 'create', ...kc, '--ttl', '1 day'])
    expect(badTtl.stderr).toContain('--ttl: "1 day" is not a duration')
    const badGroup = await runKforge(['token', 'create', ...kc, '--groups', 'admins'])
    expect(badGroup.stderr).toContain('--groups[0]: bootstrap group "admins" must match')
    const badUsage = await runKforge(['token', 'create', ...kc, '--usages', 'signing,everything'])
    expect(badUsage.stderr).toContain('--usages[1]: invalid bootstrap token usage "everything"')
    expect(api.cluster.audit.length).toBe(before)

    const nobody = await api.userKubeconfig('nobody')
    const denied = await runKforge(['token', 'list', '--kubeconfig', nobody])
    expect(denied.code).not.toBe(0)
    expect(denied.stderr).toContain('User "nobody" cannot list resource "secrets"')
  })

  it('defaults to <root-dir>/etc/kubernetes/admin.conf', async () => {
    const root = tempDir()
    const {mkdirSync, copyFileSync} = await import('node:fs')
    mkdirSync(join(root, 'etc/kubernetes'), {recursive: true})
    copyFileSync(api.adminKubeconfig, join(root, 'etc/kubernetes/admin.conf'))
    const r = await runKforge(['token', 'list', '--root-dir', root, '-o', 'json'])
    expect(r.code).toBe(0)
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true)
  })
})
