import {chmodSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ensureCert, ensureServiceAccountKey, type PkiContext} from '../../../src/pki/ensure.js'
import {KeyPool} from '../../../src/pki/key-pool.js'
import {CERTS, certSpec, type PkiConfig} from '../../../src/pki/kubeadm-certs.js'
import {silentLogger} from '../../../src/util/logger.js'
import {tempDir} from '../../support/cli.js'
import {certText, openssl, pkiConfig, sansOf, subjectOf} from './helpers.js'

function context(dir: string, cfg: PkiConfig = pkiConfig()): PkiContext {
  return {dir, cfg, keys: new KeyPool(cfg.encryptionAlgorithm), dryRun: false, logger: silentLogger}
}

async function makeAll(ctx: PkiContext): Promise<void> {
  for (const spec of CERTS) await ensureCert(ctx, spec)
  await ensureServiceAccountKey(ctx)
}

const mode = (file: string) => statSync(file).mode & 0o777

describe('kubeadm PKI', () => {
  it.each(['ECDSA-P256', 'RSA-2048'] as const)(
    'makes the whole set (%s): verifiable, right subjects, SANs and modes',
    async (alg) => {
      const dir = tempDir()
      await makeAll(context(dir, pkiConfig({encryptionAlgorithm: alg})))
      const expected: Record<string, {subject: string; ca?: string}> = {
        ca: {subject: 'CN=kubernetes'},
        apiserver: {subject: 'CN=kube-apiserver', ca: 'ca'},
        'apiserver-kubelet-client': {
          subject: 'CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins',
          ca: 'ca',
        },
        'front-proxy-ca': {subject: 'CN=front-proxy-ca'},
        'front-proxy-client': {subject: 'CN=front-proxy-client', ca: 'front-proxy-ca'},
        'etcd/ca': {subject: 'CN=etcd-ca'},
        'etcd/server': {subject: 'CN=cp-1', ca: 'etcd/ca'},
        'etcd/peer': {subject: 'CN=cp-1', ca: 'etcd/ca'},
        'etcd/healthcheck-client': {subject: 'CN=kube-etcd-healthcheck-client', ca: 'etcd/ca'},
        'apiserver-etcd-client': {subject: 'CN=kube-apiserver-etcd-client', ca: 'etcd/ca'},
      }
      for (const [base, want] of Object.entries(expected)) {
        const crt = join(dir, `${base}.crt`)
        expect(subjectOf(crt), base).toBe(want.subject)
        expect(mode(crt), base).toBe(0o644)
        expect(mode(join(dir, `${base}.key`)), base).toBe(0o600)
        const text = certText(crt)
        expect(text).toContain(alg === 'RSA-2048' ? 'Public-Key: (2048 bit)' : 'NIST CURVE: P-256')
        if (want.ca) {
          expect(openssl(['verify', '-CAfile', join(dir, `${want.ca}.crt`), crt]).trim(), base).toBe(
            `${crt}: OK`,
          )
          expect(text).toContain('CA:FALSE')
        } else {
          expect(text).toMatch(/CA:TRUE/)
          expect(text).toContain('Certificate Sign')
        }
      }
      expect(sansOf(join(dir, 'apiserver.crt'))).toEqual(
        [
          'DNS:cp-1',
          'DNS:kubernetes',
          'DNS:kubernetes.default',
          'DNS:kubernetes.default.svc',
          'DNS:kubernetes.default.svc.cluster.local',
          'DNS:api.example.test',
          'DNS:extra.example.test',
          'IP Address:10.96.0.1',
          'IP Address:192.0.2.10',
          'IP Address:10.0.0.99',
        ].sort(),
      )
      const etcdBase = [
        'DNS:cp-1',
        'DNS:localhost',
        'IP Address:192.0.2.10',
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
      ]
      expect(sansOf(join(dir, 'etcd/server.crt'))).toEqual([...etcdBase, 'DNS:etcd.example.test'].sort())
      expect(sansOf(join(dir, 'etcd/peer.crt'))).toEqual([...etcdBase, 'IP Address:198.51.100.7'].sort())
      expect(certText(join(dir, 'etcd/server.crt'))).toContain(
        'TLS Web Server Authentication, TLS Web Client Authentication',
      )
      expect(certText(join(dir, 'apiserver.crt'))).toMatch(
        /Extended Key Usage: *\n *TLS Web Server Authentication\n/,
      )
      expect(certText(join(dir, 'front-proxy-client.crt'))).toMatch(
        /Extended Key Usage: *\n *TLS Web Client Authentication\n/,
      )
      expect(readFileSync(join(dir, 'sa.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/)
      expect(mode(join(dir, 'sa.key'))).toBe(0o600)
      expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toMatch(
        alg === 'RSA-2048' ? /^-----BEGIN RSA PRIVATE KEY-----/ : /^-----BEGIN EC PRIVATE KEY-----/,
      )
      // sa.pub is the public half of sa.key
      expect(openssl(['pkey', '-pubout', '-in', join(dir, 'sa.key')])).toBe(
        readFileSync(join(dir, 'sa.pub'), 'utf8'),
      )
    },
  )

  it('backdates NotBefore by 5 minutes; leaves last 1 year, CAs 10 years', async () => {
    const dir = tempDir()
    const ctx = {...context(dir), now: new Date('2026-01-01T12:00:00Z')}
    await ensureCert(ctx, certSpec('ca'))
    await ensureCert(ctx, certSpec('apiserver'))
    const dates = (f: string) => openssl(['x509', '-noout', '-dates', '-in', join(dir, f)])
    expect(dates('ca.crt')).toContain('notBefore=Jan  1 11:55:00 2026 GMT')
    expect(dates('ca.crt')).toContain('notAfter=Dec 30 12:00:00 2035 GMT')
    expect(dates('apiserver.crt')).toContain('notAfter=Jan  1 12:00:00 2027 GMT')
  })

  it('reuses existing files without touching them', async () => {
    const dir = tempDir()
    await makeAll(context(dir))
    const before = CERTS.map((c) => readFileSync(join(dir, `${c.baseName}.crt`), 'utf8'))
    const saBefore = readFileSync(join(dir, 'sa.key'), 'utf8')
    const ctx = context(dir)
    for (const spec of CERTS) expect(await ensureCert(ctx, spec)).toBe('reused')
    expect(await ensureServiceAccountKey(ctx)).toBe('reused')
    expect(CERTS.map((c) => readFileSync(join(dir, `${c.baseName}.crt`), 'utf8'))).toEqual(before)
    expect(readFileSync(join(dir, 'sa.key'), 'utf8')).toBe(saBefore)
  })

  it('honours a CA brought by the user (made with openssl)', async () => {
    const dir = tempDir()
    openssl([
      'req',
      '-x509',
      '-nodes',
      '-newkey',
      'rsa:2048',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.crt'),
      '-subj',
      '/CN=my-own-ca',
      '-days',
      '30',
    ])
    const caBefore = readFileSync(join(dir, 'ca.crt'), 'utf8')
    const ctx = context(dir)
    expect(await ensureCert(ctx, certSpec('ca'))).toBe('reused')
    await ensureCert(ctx, certSpec('apiserver'))
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(caBefore)
    expect(openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'apiserver.crt')])).toContain(': OK')
    expect(openssl(['x509', '-noout', '-issuer', '-in', join(dir, 'apiserver.crt')])).toContain(
      'CN = my-own-ca',
    )
  })

  it('refuses a key that does not belong to its certificate, naming both files', async () => {
    const dir = tempDir()
    const ctx = context(dir)
    await ensureCert(ctx, certSpec('ca'))
    await ensureCert(ctx, certSpec('front-proxy-ca'))
    writeFileSync(join(dir, 'ca.key'), readFileSync(join(dir, 'front-proxy-ca.key')))
    await expect(ensureCert(context(dir), certSpec('ca'))).rejects.toThrow(
      `${join(dir, 'ca.key')} does not belong to ${join(dir, 'ca.crt')}`,
    )
    await expect(ensureCert(context(dir), certSpec('apiserver'))).rejects.toThrow(/ca.key does not belong to/)
  })

  it('refuses half a pair', async () => {
    const dir = tempDir()
    const ctx = context(dir)
    await ensureCert(ctx, certSpec('ca'))
    await ensureCert(ctx, certSpec('apiserver'))
    rmSync(join(dir, 'apiserver.key'))
    await expect(ensureCert(context(dir), certSpec('apiserver'))).rejects.toThrow(
      `${join(dir, 'apiserver.crt')} exists but ${join(dir, 'apiserver.key')} does not`,
    )
    rmSync(join(dir, 'sa.key'), {force: true})
    writeFileSync(join(dir, 'sa.pub'), 'x')
    await expect(ensureServiceAccountKey(context(dir))).rejects.toThrow(/sa.pub exists but .*sa.key does not/)
  })

  it('refuses an existing leaf that lacks a SAN the configuration needs, or is signed by another CA', async () => {
    const dir = tempDir()
    await ensureCert(context(dir), certSpec('ca'))
    await ensureCert(context(dir), certSpec('apiserver'))
    const moved = context(dir, pkiConfig({advertiseAddress: '192.0.2.99'}))
    await expect(ensureCert(moved, certSpec('apiserver'))).rejects.toThrow(
      /apiserver.crt: existing certificate is missing subject alternative names 192.0.2.99/,
    )
    rmSync(join(dir, 'ca.crt'))
    rmSync(join(dir, 'ca.key'))
    await ensureCert(context(dir), certSpec('ca'))
    await expect(ensureCert(context(dir), certSpec('apiserver'))).rejects.toThrow(/not signed by the "ca" CA/)
  })

  it('with an external CA (certificate, no key) uses provided leaves and refuses to invent missing ones', async () => {
    const dir = tempDir()
    await ensureCert(context(dir), certSpec('ca'))
    await ensureCert(context(dir), certSpec('apiserver'))
    rmSync(join(dir, 'ca.key'))
    expect(await ensureCert(context(dir), certSpec('ca'))).toBe('reused')
    expect(await ensureCert(context(dir), certSpec('apiserver'))).toBe('reused')
    await expect(ensureCert(context(dir), certSpec('apiserver-kubelet-client'))).rejects.toThrow(
      /external CA mode/,
    )
  })

  it('needs the CA before a leaf, and refuses a CA certificate that is not a CA', async () => {
    const dir = tempDir()
    await expect(ensureCert(context(dir), certSpec('etcd-server'))).rejects.toThrow(/etcd\/ca.crt not found/)
    openssl([
      'req',
      '-x509',
      '-nodes',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.crt'),
      '-subj',
      '/CN=leafy',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ])
    chmodSync(join(dir, 'ca.key'), 0o600)
    await expect(ensureCert(context(dir), certSpec('ca'))).rejects.toThrow(/ca.crt: not a CA certificate/)
  })

  it('writes nothing in dry-run', async () => {
    const dir = tempDir()
    const ctx = {...context(dir), dryRun: true}
    for (const spec of CERTS) expect(await ensureCert(ctx, spec)).toBe('dry-run')
    expect(await ensureServiceAccountKey(ctx)).toBe('dry-run')
    expect(() => statSync(join(dir, 'ca.crt'))).toThrow()
  })
})
