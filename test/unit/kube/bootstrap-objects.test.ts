import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {
  createCertificateKey,
  decryptBytes,
  encryptBytes,
  parseCertificateKey,
  secretKeyOf,
} from '../../../src/kube/certificate-key.js'
import {tokenIdOf, ttlOf} from '../../../src/kube/tokens.js'
import {clusterInfoKubeconfig} from '../../../src/phases/init/api/bootstrap-token.js'

describe('kubeadm-certs encryption', () => {
  it("is AES-256-GCM with the nonce first and the tag last, like Go's gcm.Seal(nonce, nonce, ...)", () => {
    const keyHex = createCertificateKey()
    expect(keyHex).toMatch(/^[0-9a-f]{64}$/)
    const key = parseCertificateKey(keyHex)
    const plain = Buffer.from('-----BEGIN CERTIFICATE-----\nabc\n')
    const sealed = encryptBytes(plain, key)
    expect(sealed.length).toBe(12 + plain.length + 16)
    expect(decryptBytes(sealed, key).equals(plain)).toBe(true)
    // an independent implementation (openssl) opens it: nonce = first 12 bytes, tag = last 16
    const out = execFileSync(
      'openssl',
      [
        'enc',
        '-aes-256-ctr',
        '-d',
        '-K',
        keyHex,
        '-iv',
        `${sealed.subarray(0, 12).toString('hex')}00000002`,
        '-nopad',
      ],
      {input: sealed.subarray(12, sealed.length - 16)},
    )
    expect(out.equals(plain)).toBe(true)
    const tampered = Buffer.from(sealed)
    tampered[20]! ^= 1
    expect(() => decryptBytes(tampered, key)).toThrow('certificate key does not match')
  })

  it('validates keys and names secret entries as kubeadm does', () => {
    expect(() => parseCertificateKey('abc', '--certificate-key')).toThrow(
      '--certificate-key: a certificate key is 64 hex characters',
    )
    expect(secretKeyOf('etcd/ca.key')).toBe('etcd-ca.key')
  })
})

describe('token list helpers', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  it('renders the TTL column', () => {
    expect(ttlOf(undefined, now)).toBe('<forever>')
    expect(ttlOf(new Date('2025-12-31T23:00:00Z'), now)).toBe('<invalid>')
    expect(ttlOf(new Date('2026-01-01T23:59:59Z'), now)).toBe('23h59m')
    expect(ttlOf(new Date('2026-01-03T02:00:00Z'), now)).toBe('2d2h')
    expect(ttlOf(new Date('2026-01-01T00:00:30Z'), now)).toBe('30s')
  })
  it('accepts an id or a whole token, never echoing a secret', () => {
    expect(tokenIdOf('abcdef')).toBe('abcdef')
    expect(tokenIdOf('abcdef.0123456789abcdef')).toBe('abcdef')
    expect(() => tokenIdOf('abcdef.0123456789abcdeX')).toThrow(/"abcdef…" is neither/)
  })
})

describe('cluster-info', () => {
  it("is admin.conf's cluster under the empty name, with no users or contexts", () => {
    const admin = `apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster: {certificate-authority-data: Q0E=, server: "https://10.0.0.5:6443"}
users:
- name: kubernetes-admin
  user: {client-certificate-data: eA==, client-key-data: eQ==}
contexts:
- name: kubernetes-admin@kubernetes
  context: {cluster: kubernetes, user: kubernetes-admin}
current-context: kubernetes-admin@kubernetes
`
    const text = clusterInfoKubeconfig(admin, 'admin.conf')
    expect(parse(text)).toEqual({
      apiVersion: 'v1',
      clusters: [
        {cluster: {'certificate-authority-data': 'Q0E=', server: 'https://10.0.0.5:6443'}, name: ''},
      ],
      contexts: null,
      'current-context': '',
      kind: 'Config',
      preferences: {},
      users: null,
    })
    expect(text).not.toContain('client-key')
  })
})
