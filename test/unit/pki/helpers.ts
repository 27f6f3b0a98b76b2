import {execFileSync} from 'node:child_process'
import type {PkiConfig} from '../../../src/pki/kubeadm-certs.js'

export function openssl(args: readonly string[], input?: string): string {
  return execFileSync('openssl', args, {input, stdio: ['pipe', 'pipe', 'pipe']}).toString()
}

/** `openssl x509 -noout -text` of a certificate file. */
export function certText(file: string): string {
  return openssl(['x509', '-noout', '-text', '-in', file])
}

export function subjectOf(file: string): string {
  return openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', file])
    .trim()
    .replace(/^subject=/, '')
}

/** SAN entries as openssl prints them (`DNS:x`, `IP Address:1.2.3.4`), sorted. */
export function sansOf(file: string): string[] {
  const m = /X509v3 Subject Alternative Name:\s*\n\s*(.*)\n/.exec(certText(file))
  return m
    ? m[1]!
        .split(', ')
        .map((s) => s.trim())
        .sort()
    : []
}

export const pkiConfig = (overrides: Partial<PkiConfig> = {}): PkiConfig => ({
  nodeName: 'cp-1',
  advertiseAddress: '192.0.2.10',
  dnsDomain: 'cluster.local',
  serviceSubnet: '10.96.0.0/12',
  controlPlaneEndpoint: 'api.example.test:6443',
  apiServerCertSANs: ['10.0.0.99', 'extra.example.test'],
  etcdServerCertSANs: ['etcd.example.test'],
  etcdPeerCertSANs: ['198.51.100.7'],
  encryptionAlgorithm: 'ECDSA-P256',
  certificateValidityMs: 365 * 24 * 3600 * 1000,
  caCertificateValidityMs: 10 * 365 * 24 * 3600 * 1000,
  ...overrides,
})
