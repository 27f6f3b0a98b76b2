/**
 * kubeadm's /etc/kubernetes/pki layout: which certificates exist, their subjects, usages and
 * SANs (docs/kubeadm-compat.md, "Certificates and kubeconfigs"). Pure data and pure functions, so the node's init phases
 * and the provisioner's secrets phase describe the same PKI.
 */
import {isIP} from 'node:net'
import {KforgeError} from '../util/errors.js'
import type {AltNames, CertSubject, CertUsage} from './cert.js'
import type {EncryptionAlgorithm} from './keys.js'

/** What the SANs and key choices of the control-plane PKI depend on. */
export interface PkiConfig {
  nodeName: string
  advertiseAddress: string
  /** Default: cluster.local */
  dnsDomain: string
  /** Comma-separated (dual-stack); the first subnet's first address is the API service IP. */
  serviceSubnet: string
  /** `host`, `host:port` or `[v6]:port`; its host is added to the apiserver SANs. */
  controlPlaneEndpoint?: string
  apiServerCertSANs: readonly string[]
  etcdServerCertSANs: readonly string[]
  etcdPeerCertSANs: readonly string[]
  encryptionAlgorithm: EncryptionAlgorithm
  certificateValidityMs: number
  caCertificateValidityMs: number
}

export type CaName = 'ca' | 'front-proxy-ca' | 'etcd/ca'

export interface CertSpec {
  /** The phase name under `certs` (kubeadm's names). */
  name: string
  /** File base name under the PKI directory. */
  baseName: string
  short: string
  /** Signing CA; absent for a CA. */
  ca?: CaName
  /** Only with a local (stacked) etcd. */
  etcd: boolean
  subject: (c: PkiConfig) => CertSubject
  usages: readonly CertUsage[]
  altNames?: (c: PkiConfig) => AltNames
}

export const CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins'

const fixed = (commonName: string, organizations?: string[]) => () =>
  organizations ? {commonName, organizations} : {commonName}

export const CERTS: readonly CertSpec[] = [
  {
    name: 'ca',
    baseName: 'ca',
    short: 'Self-signed Kubernetes CA',
    etcd: false,
    subject: () => CA_SUBJECTS.ca,
    usages: [],
  },
  {
    name: 'apiserver',
    baseName: 'apiserver',
    short: 'API server serving certificate',
    ca: 'ca',
    etcd: false,
    subject: fixed('kube-apiserver'),
    usages: ['server'],
    altNames: apiServerAltNames,
  },
  {
    name: 'apiserver-kubelet-client',
    baseName: 'apiserver-kubelet-client',
    short: 'API server client certificate for kubelets',
    ca: 'ca',
    etcd: false,
    subject: fixed('kube-apiserver-kubelet-client', [CLUSTER_ADMINS_GROUP]),
    usages: ['client'],
  },
  {
    name: 'front-proxy-ca',
    baseName: 'front-proxy-ca',
    short: 'Self-signed front proxy CA',
    etcd: false,
    subject: () => CA_SUBJECTS['front-proxy-ca'],
    usages: [],
  },
  {
    name: 'front-proxy-client',
    baseName: 'front-proxy-client',
    short: 'Front proxy client certificate',
    ca: 'front-proxy-ca',
    etcd: false,
    subject: fixed('front-proxy-client'),
    usages: ['client'],
  },
  {
    name: 'etcd-ca',
    baseName: 'etcd/ca',
    short: 'Self-signed etcd CA',
    etcd: true,
    subject: () => CA_SUBJECTS['etcd/ca'],
    usages: [],
  },
  {
    name: 'etcd-server',
    baseName: 'etcd/server',
    short: 'etcd serving certificate',
    ca: 'etcd/ca',
    etcd: true,
    subject: (c) => ({commonName: c.nodeName}),
    usages: ['server', 'client'],
    altNames: (c) => etcdAltNames(c, c.etcdServerCertSANs),
  },
  {
    name: 'etcd-peer',
    baseName: 'etcd/peer',
    short: 'etcd peer certificate',
    ca: 'etcd/ca',
    etcd: true,
    subject: (c) => ({commonName: c.nodeName}),
    usages: ['server', 'client'],
    altNames: (c) => etcdAltNames(c, c.etcdPeerCertSANs),
  },
  {
    name: 'etcd-healthcheck-client',
    baseName: 'etcd/healthcheck-client',
    short: 'etcd health check client certificate',
    ca: 'etcd/ca',
    etcd: true,
    subject: fixed('kube-etcd-healthcheck-client'),
    usages: ['client'],
  },
  {
    name: 'apiserver-etcd-client',
    baseName: 'apiserver-etcd-client',
    short: 'API server client certificate for etcd',
    ca: 'etcd/ca',
    etcd: true,
    subject: fixed('kube-apiserver-etcd-client'),
    usages: ['client'],
  },
]

export const SA_KEY_BASENAME = 'sa'

export function certSpec(name: string): CertSpec {
  const spec = CERTS.find((c) => c.name === name)
  if (!spec) throw new KforgeError(`unknown certificate ${name}`)
  return spec
}

export function caSpec(ca: CaName): CertSpec {
  return CERTS.find((c) => c.baseName === ca)!
}

/** A CA's subject, which depends on no node (the provisioner makes the CAs before any node exists). */
export const CA_SUBJECTS: Readonly<Record<CaName, CertSubject>> = {
  ca: {commonName: 'kubernetes'},
  'front-proxy-ca': {commonName: 'front-proxy-ca'},
  'etcd/ca': {commonName: 'etcd-ca'},
}

/** Split user SANs into IPs and DNS names, as kubeadm does with certSANs. */
export function classifySans(sans: readonly string[]): AltNames {
  const out = {dnsNames: [] as string[], ips: [] as string[]}
  for (const s of sans) (isIP(s) ? out.ips : out.dnsNames).push(s)
  return out
}

/** The first usable address of the first service subnet: the `kubernetes` Service's ClusterIP. */
export function apiServerServiceIP(serviceSubnet: string): string {
  return nthAddress(serviceSubnet, 1, 'networking.serviceSubnet')
}

/** The cluster DNS Service IP kubeadm uses: the 10th address of the first service subnet. */
export function clusterDnsIP(serviceSubnet: string): string {
  return nthAddress(serviceSubnet, 10, 'networking.serviceSubnet')
}

function nthAddress(subnets: string, n: number, field: string): string {
  const first = subnets.split(',')[0]!.trim()
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(first)
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30) {
    throw new KforgeError(`${field}: "${first}" is not an IPv4 CIDR with room for ${n} addresses`)
  }
  const prefix = Number(m[5])
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  const base = (m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0) & mask) >>> 0
  if (2 ** (32 - prefix) <= n) throw new KforgeError(`${field}: "${first}" is too small`)
  const addr = base + n
  return [24, 16, 8, 0].map((s) => (addr >>> s) & 0xff).join('.')
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address, split. */
export function splitHostPort(endpoint: string): {host: string; port?: number} {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint)
  if (bracketed)
    return bracketed[2] ? {host: bracketed[1]!, port: Number(bracketed[2])} : {host: bracketed[1]!}
  if (isIP(endpoint) === 6) return {host: endpoint}
  const m = /^(.*):(\d+)$/.exec(endpoint)
  return m ? {host: m[1]!, port: Number(m[2])} : {host: endpoint}
}

export function endpointHost(endpoint: string): string {
  return splitHostPort(endpoint).host
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}

export function apiServerAltNames(c: PkiConfig): AltNames {
  const dnsNames = [
    c.nodeName,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${c.dnsDomain}`,
  ]
  const ips = [apiServerServiceIP(c.serviceSubnet), c.advertiseAddress]
  if (c.controlPlaneEndpoint) {
    const host = endpointHost(c.controlPlaneEndpoint)
    ;(isIP(host) ? ips : dnsNames).push(host)
  }
  const extra = classifySans(c.apiServerCertSANs)
  return {dnsNames: unique([...dnsNames, ...extra.dnsNames]), ips: unique([...ips, ...extra.ips])}
}

export function etcdAltNames(c: PkiConfig, extraSans: readonly string[]): AltNames {
  const extra = classifySans(extraSans)
  return {
    dnsNames: unique([c.nodeName, 'localhost', ...extra.dnsNames]),
    ips: unique([c.advertiseAddress, '127.0.0.1', '::1', ...extra.ips]),
  }
}
