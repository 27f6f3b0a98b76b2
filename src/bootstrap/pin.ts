/**
 * CA public-key pins as kubeadm computes them (cmd/kubeadm/app/util/pubkeypin): `sha256:` + the
 * lowercase hex SHA-256 of the certificate's DER SubjectPublicKeyInfo, byte for byte as it appears
 * in the certificate (so no re-encoding through a key object).
 */
import {createHash} from 'node:crypto'
import {KforgeError} from '../util/errors.js'

export const PIN_FORMAT = 'sha256'

/** PEM (one or more CERTIFICATE blocks) to DER buffers, in order. */
export function pemCertificates(pem: string): Buffer[] {
  const out: Buffer[] = []
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))
  return out
}

interface Tlv {
  tag: number
  /** offset of the tag byte */
  start: number
  /** offset of the contents */
  body: number
  end: number
}

function readTlv(der: Buffer, offset: number): Tlv {
  if (offset + 2 > der.length) throw new Error('truncated DER')
  const tag = der[offset]!
  let len = der[offset + 1]!
  let body = offset + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4 || body + n > der.length) throw new Error('unsupported DER length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!
    body += n
  }
  const end = body + len
  if (end > der.length) throw new Error('truncated DER')
  return {tag, start: offset, body, end}
}

/** The raw SubjectPublicKeyInfo bytes of a DER certificate. */
export function subjectPublicKeyInfo(certDer: Buffer): Buffer {
  try {
    const cert = readTlv(certDer, 0)
    const tbs = readTlv(certDer, cert.body)
    let field = readTlv(certDer, tbs.body)
    if (field.tag === 0xa0) field = readTlv(certDer, field.end) // [0] version
    // serial, signature algorithm, issuer, validity, subject, then the SPKI
    for (let i = 0; i < 5; i++) field = readTlv(certDer, field.end)
    if (field.tag !== 0x30) throw new Error('SubjectPublicKeyInfo is not a SEQUENCE')
    return certDer.subarray(field.start, field.end)
  } catch (err) {
    throw new KforgeError(`cannot read the public key of a certificate: ${(err as Error).message}`)
  }
}

/** The pin of one certificate (DER or a PEM holding it). */
export function computePin(cert: Buffer | string): string {
  const der = typeof cert === 'string' ? pemCertificates(cert)[0] : cert
  if (!der) throw new KforgeError('no CERTIFICATE block found in PEM input')
  return `${PIN_FORMAT}:${createHash('sha256').update(subjectPublicKeyInfo(der)).digest('hex')}`
}

/**
 * Validate and normalise one pin: case-insensitive `sha256:<64 hex>`. kubeadm's messages, with the
 * flag or field named.
 */
export function parsePin(value: string, field = '--discovery-token-ca-cert-hash'): string {
  const parts = value.split(':')
  if (parts.length !== 2) {
    throw new KforgeError(
      `${field}: invalid hash "${value}", expected "format:hex-value". Known format(s) are: ${PIN_FORMAT}`,
    )
  }
  const format = parts[0]!.toLowerCase()
  const hex = parts[1]!.toLowerCase()
  if (format !== PIN_FORMAT) {
    throw new KforgeError(`${field}: unknown hash format "${format}". Known format(s) are: ${PIN_FORMAT}`)
  }
  if (!/^[0-9a-f]*$/.test(hex) || hex.length % 2 !== 0) {
    throw new KforgeError(`${field}: "${value}" is not a hex-encoded SHA-256 hash`)
  }
  if (hex.length !== 64) {
    throw new KforgeError(`${field}: expected a 32 byte SHA-256 hash, found ${hex.length / 2} bytes`)
  }
  return `${format}:${hex}`
}

/** A set of allowed pins; a certificate list passes when any certificate matches any pin. */
export class PinSet {
  private readonly pins = new Set<string>()

  constructor(pins: readonly string[] = [], field?: string) {
    this.allow(pins, field)
  }

  /** All or nothing: an invalid pin leaves the set unchanged. */
  allow(pins: readonly string[], field?: string): void {
    const parsed = pins.map((p) => parsePin(p, field))
    for (const p of parsed) this.pins.add(p)
  }

  get empty(): boolean {
    return this.pins.size === 0
  }

  matches(certs: readonly Buffer[]): boolean {
    return certs.some((c) => this.pins.has(computePin(c)))
  }

  /** Throws naming the pins seen when no certificate matches. */
  checkAny(certs: readonly Buffer[]): void {
    if (this.matches(certs)) return
    const seen = certs.map((c) => computePin(c)).join(', ') || 'no certificates'
    throw new KforgeError(
      `CA pin check failed: none of the cluster CA certificates matches --discovery-token-ca-cert-hash (cluster CA pins: ${seen})`,
    )
  }
}
