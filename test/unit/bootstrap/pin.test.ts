import {execFileSync} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {computePin, PinSet, parsePin, pemCertificates} from '../../../src/bootstrap/pin.js'
import {tempDir} from '../../support/cli.js'

// kubeadm's pubkeypin testdata certificate (CN kubeadm-keypins-test) and its published pin.
const kubeadmCert = readFileSync(new URL('./kubeadm-keypins-test.pem', import.meta.url), 'utf8')
const kubeadmPin = 'sha256:345959acb2c3b2feb87d281961c893f62a314207ef02599f1cc4a5fb255480b3'

function opensslPin(certFile: string): string {
  const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', certFile])
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], {input: pub})
  const hex = execFileSync('openssl', ['dgst', '-sha256', '-hex'], {input: der}).toString().trim()
  return `sha256:${hex.split(/\s+/).at(-1)}`
}

function opensslSelfSigned(dir: string, name: string, keyArgs: string[]): string {
  const file = join(dir, `${name}.crt`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-nodes',
      '-newkey',
      ...keyArgs,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      file,
      '-subj',
      `/CN=${name}`,
      '-days',
      '1',
    ],
    {stdio: 'ignore'},
  )
  return file
}

describe('CA pins', () => {
  it("matches kubeadm's vector", () => {
    expect(computePin(kubeadmCert)).toBe(kubeadmPin)
    expect(computePin(pemCertificates(kubeadmCert)[0]!)).toBe(kubeadmPin)
  })

  it.each([
    ['rsa-2048', ['rsa:2048']],
    ['ec-p256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ])('equals what openssl computes for a %s certificate', (name, args) => {
    const dir = tempDir()
    const file = opensslSelfSigned(dir, name, args)
    expect(computePin(readFileSync(file, 'utf8'))).toBe(opensslPin(file))
  })

  it('equals openssl for a version 1 certificate (no [0] version field)', () => {
    const dir = tempDir()
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-384'})
    const key = join(dir, 'k.pem')
    writeFileSync(key, privateKey.export({type: 'pkcs8', format: 'pem'}))
    const csr = join(dir, 'v1.csr')
    const file = join(dir, 'v1.crt')
    execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/CN=v1', '-out', csr])
    execFileSync('openssl', ['x509', '-req', '-in', csr, '-signkey', key, '-days', '1', '-out', file], {
      stdio: 'ignore',
    })
    expect(execFileSync('openssl', ['x509', '-noout', '-text', '-in', file]).toString()).toContain(
      'Version: 1',
    )
    expect(computePin(readFileSync(file, 'utf8'))).toBe(opensslPin(file))
  })

  it("applies kubeadm's parse rules", () => {
    expect(parsePin(kubeadmPin.toUpperCase())).toBe(kubeadmPin)
    expect(() => parsePin('xyz')).toThrow(/expected "format:hex-value"/)
    expect(() => parsePin('0011223344')).toThrow(/expected "format:hex-value"/)
    expect(() => parsePin(kubeadmPin + kubeadmPin)).toThrow()
    expect(() => parsePin('sha256:0011223344')).toThrow(/expected a 32 byte SHA-256 hash, found 5 bytes/)
    expect(() => parsePin(`sha256:${'z'.repeat(64)}`)).toThrow(/not a hex-encoded/)
    expect(() => parsePin(`md5:${'0'.repeat(32)}`)).toThrow(/unknown hash format "md5"/)
  })

  it('lets a certificate list through when any certificate matches any pin', () => {
    const dir = tempDir()
    const other = readFileSync(opensslSelfSigned(dir, 'other', ['rsa:2048']), 'utf8')
    const set = new PinSet()
    expect(set.empty).toBe(true)
    expect(() => set.allow(['sha256:00', kubeadmPin])).toThrow()
    expect(set.empty).toBe(true)
    set.allow([computePin(other).toUpperCase()])
    expect(() => set.checkAny(pemCertificates(kubeadmCert))).toThrow(/CA pin check failed.*345959ac/)
    set.allow([kubeadmPin])
    expect(() => set.checkAny(pemCertificates(kubeadmCert))).not.toThrow()
    expect(set.matches(pemCertificates(`${other}\n${kubeadmCert}`))).toBe(true)
  })
})
