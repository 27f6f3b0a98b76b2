/**
 * kubeadm's defaulting, over the documents load.ts read: every field of the internal
 * configuration gets a value, and semantic problems (bad token, durations, addresses) are
 * collected with their field paths. Host facts (hostname, addresses) are passed in, so tests and
 * dry runs are deterministic.
 */
import {isIP} from 'node:net'
import {hostname, networkInterfaces} from 'node:os'
import {isDnsName} from '../api/names.js'
import {formatPath, type Path, Problems} from '../api/problems.js'
import {isPlainObject} from '../api/shape.js'
import {checkKubernetesVersion, DEFAULT_KUBERNETES_VERSION} from '../api/versions.js'
import {parseExpiration} from '../bootstrap/secret.js'
import {
  EXTRA_GROUP_PATTERN,
  generateToken,
  KUBEADM_DEFAULT_NODE_GROUP,
  parseToken,
  TOKEN_PATTERN,
  TOKEN_USAGES,
  type TokenUsage,
} from '../bootstrap/token.js'
import {type EncryptionAlgorithm, isEncryptionAlgorithm} from '../pki/keys.js'
import {parseDuration} from './duration.js'
import type {
  APIEndpoint,
  Arg,
  BootstrapTokenConfig,
  ClusterConfiguration,
  ControlPlaneComponent,
  EnvVar,
  HostPathMount,
  InitConfiguration,
  JoinConfiguration,
  KubeadmDocuments,
  NodeRegistration,
  Taint,
  Timeouts,
} from './types.js'

export const DEFAULT_CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock'
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/12'
export const DEFAULT_DNS_DOMAIN = 'cluster.local'
export const DEFAULT_CERTIFICATES_DIR = '/etc/kubernetes/pki'
export const DEFAULT_IMAGE_REPOSITORY = 'registry.k8s.io'
export const DEFAULT_CLUSTER_NAME = 'kubernetes'
export const DEFAULT_ETCD_DATA_DIR = '/var/lib/etcd'
export const DEFAULT_BIND_PORT = 6443
export const CONTROL_PLANE_TAINT: Taint = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}
const HOUR = 3_600_000

export const DEFAULT_TIMEOUTS: Timeouts = {
  controlPlaneComponentHealthCheck: 4 * 60_000,
  kubeletHealthCheck: 4 * 60_000,
  kubernetesAPICall: 60_000,
  etcdAPICall: 2 * 60_000,
  tlsBootstrap: 5 * 60_000,
  discovery: 5 * 60_000,
  upgradeManifests: 5 * 60_000,
}

/** What defaults depend on about this machine. */
export interface HostFacts {
  hostname: string
  /** First non-internal IPv4 address, if any. */
  ipv4?: string
}

export function detectHost(): HostFacts {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return {hostname: hostname().toLowerCase(), ipv4: a.address}
    }
  }
  return {hostname: hostname().toLowerCase()}
}

export interface CompleteInit {
  init: InitConfiguration
  cluster: ClusterConfiguration
  kubelet?: Record<string, unknown>
  kubeProxy?: Record<string, unknown>
}

type Obj = Record<string, unknown>
const o = (v: unknown): Obj => (isPlainObject(v) ? v : {})
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
/** extraArgs entries; a v1 `mergeMethod` is kept when it is append or prepend ('' means replace). */
const argList = (v: unknown): Arg[] =>
  Array.isArray(v)
    ? v.map((a) => {
        const arg: Arg = {name: String(o(a).name), value: String(o(a).value ?? '')}
        const method = o(a).mergeMethod
        if (method === 'append' || method === 'prepend') arg.mergeMethod = method
        return arg
      })
    : []

/** Reports semantic problems as `<file>: <Kind>.<field path>: <text>`. */
class Reporter {
  constructor(
    readonly problems: Problems,
    readonly kind: string,
  ) {}
  at(path: Path, text: string): void {
    this.problems.general(`${formatPath([this.kind, ...path])}: ${text}`)
  }
}

function reporter(problems: Problems, kind: string): Reporter {
  return new Reporter(problems, kind)
}

function duration(v: unknown, fallback: number, path: Path, r: Reporter): number {
  if (v === undefined) return fallback
  const ms = parseDuration(String(v))
  if (ms === undefined || ms < 0) {
    r.at(path, `"${String(v)}" is not a duration like 24h0m0s, 5m or 90s`)
    return fallback
  }
  return ms
}

function timeouts(v: unknown, r: Reporter): Timeouts {
  const t = o(v)
  const out = {...DEFAULT_TIMEOUTS}
  for (const k of Object.keys(DEFAULT_TIMEOUTS) as (keyof Timeouts)[]) {
    out[k] = duration(t[k], DEFAULT_TIMEOUTS[k], ['timeouts', k], r)
  }
  return out
}

function nodeRegistration(v: unknown, host: HostFacts, controlPlane: boolean, r: Reporter): NodeRegistration {
  const n = o(v)
  const name = s(n.name) ?? host.hostname
  if (!isDnsName(name)) r.at(['nodeRegistration', 'name'], `"${name}" is not a lowercase RFC 1123 DNS name`)
  const taints = Array.isArray(n.taints)
    ? (n.taints as Obj[]).map((t) => ({...(t as unknown as Taint)}))
    : controlPlane
      ? [{...CONTROL_PLANE_TAINT}]
      : []
  return {
    name,
    criSocket: s(n.criSocket) ?? DEFAULT_CRI_SOCKET,
    taints,
    kubeletExtraArgs: argList(n.kubeletExtraArgs),
    ignorePreflightErrors: strs(n.ignorePreflightErrors).map((e) => e.toLowerCase()),
    imagePullPolicy: (s(n.imagePullPolicy) as NodeRegistration['imagePullPolicy']) ?? 'IfNotPresent',
    imagePullSerial: typeof n.imagePullSerial === 'boolean' ? n.imagePullSerial : true,
  }
}

function apiEndpoint(v: unknown, host: HostFacts, path: Path, r: Reporter): APIEndpoint {
  const e = o(v)
  const advertiseAddress = s(e.advertiseAddress) ?? host.ipv4
  const bindPort = typeof e.bindPort === 'number' ? e.bindPort : DEFAULT_BIND_PORT
  if (advertiseAddress === undefined) {
    r.at(
      [...path, 'advertiseAddress'],
      'not set, and this machine has no non-internal IPv4 address to default to',
    )
  } else if (!isIP(advertiseAddress)) {
    r.at([...path, 'advertiseAddress'], `"${advertiseAddress}" is not an IP address`)
  }
  if (!Number.isInteger(bindPort) || bindPort < 1 || bindPort > 65535)
    r.at([...path, 'bindPort'], `${bindPort} is not a port (1-65535)`)
  return {advertiseAddress: advertiseAddress ?? '', bindPort}
}

function bootstrapTokens(v: unknown, r: Reporter): BootstrapTokenConfig[] {
  const list = Array.isArray(v) && v.length > 0 ? (v as Obj[]) : [{}]
  return list.map((t, i) => {
    const at = (k: string): Path => ['bootstrapTokens', i, k]
    const text = s(t.token)
    let token = generateToken()
    if (text !== undefined) {
      if (TOKEN_PATTERN.test(text)) token = parseToken(text)
      else r.at(at('token'), 'is not of the form "[a-z0-9]{6}.[a-z0-9]{16}"')
    }
    const out: BootstrapTokenConfig = {
      token,
      ttlMs: duration(t.ttl, 24 * HOUR, at('ttl'), r),
      usages: (t.usages === undefined ? [...TOKEN_USAGES] : strs(t.usages)) as TokenUsage[],
      groups: t.groups === undefined ? [KUBEADM_DEFAULT_NODE_GROUP] : strs(t.groups),
    }
    out.usages.forEach((u, j) => {
      if (!(TOKEN_USAGES as readonly string[]).includes(u))
        r.at(['bootstrapTokens', i, 'usages', j], `"${u}" is not one of ${TOKEN_USAGES.join(', ')}`)
    })
    out.groups.forEach((g, j) => {
      if (!EXTRA_GROUP_PATTERN.test(g))
        r.at(
          ['bootstrapTokens', i, 'groups', j],
          `"${g}" must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]`,
        )
    })
    if (s(t.description) !== undefined) out.description = s(t.description)
    if (s(t.expires) !== undefined) {
      const e = parseExpiration(s(t.expires)!)
      if (e === 'invalid')
        r.at(at('expires'), `"${s(t.expires)}" is not an RFC 3339 time like 2030-01-02T15:04:05Z`)
      else out.expires = e
    }
    return out
  })
}

function component(v: unknown): ControlPlaneComponent {
  const c = o(v)
  return {
    extraArgs: argList(c.extraArgs),
    extraVolumes: Array.isArray(c.extraVolumes)
      ? (c.extraVolumes as HostPathMount[]).map((m) => ({...m}))
      : [],
    extraEnvs: Array.isArray(c.extraEnvs) ? (c.extraEnvs as EnvVar[]).map((e) => ({...e})) : [],
  }
}

function subnetProblem(value: string): string | undefined {
  for (const part of value.split(',')) {
    const [ip, bits, ...rest] = part.trim().split('/')
    const family = isIP(ip ?? '')
    const max = family === 6 ? 128 : 32
    if (!family || rest.length > 0 || !/^\d+$/.test(bits ?? '') || Number(bits) > max)
      return `"${part}" is not a CIDR`
  }
  return undefined
}

export function completeCluster(v: unknown, r: Reporter): ClusterConfiguration {
  const c = o(v)
  const net = o(c.networking)
  const serviceSubnet = s(net.serviceSubnet) ?? DEFAULT_SERVICE_SUBNET
  const podSubnet = s(net.podSubnet)
  const dnsDomain = s(net.dnsDomain) ?? DEFAULT_DNS_DOMAIN
  for (const [k, val] of [
    ['serviceSubnet', serviceSubnet],
    ['podSubnet', podSubnet],
  ] as const) {
    const p = val === undefined ? undefined : subnetProblem(val)
    if (p) r.at(['networking', k], p)
  }
  if (!isDnsName(dnsDomain)) r.at(['networking', 'dnsDomain'], `"${dnsDomain}" is not a DNS name`)
  const kubernetesVersion = s(c.kubernetesVersion) ?? DEFAULT_KUBERNETES_VERSION
  const versionProblem = checkKubernetesVersion(kubernetesVersion)
  if (versionProblem) r.at(['kubernetesVersion'], versionProblem)
  const etcd = o(c.etcd)
  const local = o(etcd.local)
  const encryptionAlgorithm = s(c.encryptionAlgorithm) ?? 'RSA-2048'
  const out: ClusterConfiguration = {
    etcd: isPlainObject(etcd.external)
      ? {
          external: {
            endpoints: strs(o(etcd.external).endpoints),
            caFile: s(o(etcd.external).caFile) ?? '',
            certFile: s(o(etcd.external).certFile) ?? '',
            keyFile: s(o(etcd.external).keyFile) ?? '',
          },
        }
      : {
          local: {
            dataDir: s(local.dataDir) ?? DEFAULT_ETCD_DATA_DIR,
            extraArgs: argList(local.extraArgs),
            extraEnvs: Array.isArray(local.extraEnvs) ? (local.extraEnvs as EnvVar[]) : [],
            serverCertSANs: strs(local.serverCertSANs),
            peerCertSANs: strs(local.peerCertSANs),
            ...(s(local.imageRepository) ? {imageRepository: s(local.imageRepository)} : {}),
            ...(s(local.imageTag) ? {imageTag: s(local.imageTag)} : {}),
          },
        },
    networking: {serviceSubnet, dnsDomain, ...(podSubnet ? {podSubnet} : {})},
    kubernetesVersion,
    apiServer: {...component(c.apiServer), certSANs: strs(o(c.apiServer).certSANs)},
    controllerManager: component(c.controllerManager),
    scheduler: component(c.scheduler),
    dns: {
      disabled: o(c.dns).disabled === true,
      ...(s(o(c.dns).imageRepository) ? {imageRepository: s(o(c.dns).imageRepository)} : {}),
      ...(s(o(c.dns).imageTag) ? {imageTag: s(o(c.dns).imageTag)} : {}),
    },
    proxy: {disabled: o(c.proxy).disabled === true},
    certificatesDir: s(c.certificatesDir) ?? DEFAULT_CERTIFICATES_DIR,
    imageRepository: s(c.imageRepository) ?? DEFAULT_IMAGE_REPOSITORY,
    featureGates: Object.fromEntries(
      Object.entries(o(c.featureGates)).filter(([, b]) => typeof b === 'boolean'),
    ) as Record<string, boolean>,
    clusterName: s(c.clusterName) ?? DEFAULT_CLUSTER_NAME,
    encryptionAlgorithm: (isEncryptionAlgorithm(encryptionAlgorithm)
      ? encryptionAlgorithm
      : 'RSA-2048') as EncryptionAlgorithm,
    certificateValidityMs: duration(
      c.certificateValidityPeriod,
      8760 * HOUR,
      ['certificateValidityPeriod'],
      r,
    ),
    caCertificateValidityMs: duration(
      c.caCertificateValidityPeriod,
      87600 * HOUR,
      ['caCertificateValidityPeriod'],
      r,
    ),
  }
  const cpe = s(c.controlPlaneEndpoint)
  if (cpe) out.controlPlaneEndpoint = cpe
  if (!out.certificatesDir.startsWith('/'))
    r.at(['certificatesDir'], `"${out.certificatesDir}" must be an absolute path`)
  // Under --root-dir the directory is joined to the root: a '..' would write keys outside it.
  else if (out.certificatesDir.split('/').includes('..'))
    r.at(
      ['certificatesDir'],
      `"${out.certificatesDir}" must not contain ".." (it would leave the node's root)`,
    )
  return out
}

/** Default an InitConfiguration + ClusterConfiguration pair; throws listing every problem. */
export function completeInitConfig(
  docs: KubeadmDocuments,
  host: HostFacts,
  source = 'configuration',
): CompleteInit {
  const problems = new Problems(source)
  const ir = reporter(problems, 'InitConfiguration')
  const cr = reporter(problems, 'ClusterConfiguration')
  const i = o(docs.init)
  const init: InitConfiguration = {
    bootstrapTokens: bootstrapTokens(i.bootstrapTokens, ir),
    nodeRegistration: nodeRegistration(i.nodeRegistration, host, true, ir),
    localAPIEndpoint: apiEndpoint(i.localAPIEndpoint, host, ['localAPIEndpoint'], ir),
    skipPhases: strs(i.skipPhases),
    timeouts: timeouts(i.timeouts, ir),
    dryRun: i.dryRun === true,
  }
  if (s(i.certificateKey)) init.certificateKey = s(i.certificateKey)
  if (s(o(i.patches).directory)) init.patchesDirectory = s(o(i.patches).directory)
  const cluster = completeCluster(docs.cluster, cr)
  problems.throwIfAny()
  return {
    init,
    cluster,
    ...(docs.kubelet ? {kubelet: docs.kubelet} : {}),
    ...(docs.kubeProxy ? {kubeProxy: docs.kubeProxy} : {}),
  }
}

/** Default a JoinConfiguration; throws listing every problem. */
export function completeJoinConfig(
  docs: KubeadmDocuments,
  host: HostFacts,
  source = 'configuration',
): JoinConfiguration {
  const problems = new Problems(source)
  const r = reporter(problems, 'JoinConfiguration')
  const j = o(docs.join)
  const d = o(j.discovery)
  const bt = isPlainObject(d.bootstrapToken) ? d.bootstrapToken : undefined
  const out: JoinConfiguration = {
    caCertPath: s(j.caCertPath) ?? `${DEFAULT_CERTIFICATES_DIR}/ca.crt`,
    discovery: {},
    nodeRegistration: nodeRegistration(j.nodeRegistration, host, isPlainObject(j.controlPlane), r),
    skipPhases: strs(j.skipPhases),
    timeouts: timeouts(j.timeouts, r),
    dryRun: j.dryRun === true,
  }
  if (bt) {
    out.discovery.bootstrapToken = {
      token: s(bt.token) ?? '',
      apiServerEndpoint: s(bt.apiServerEndpoint) ?? '',
      caCertHashes: strs(bt.caCertHashes),
      unsafeSkipCAVerification: bt.unsafeSkipCAVerification === true,
    }
  }
  if (isPlainObject(d.file)) out.discovery.file = {kubeConfigPath: s(d.file.kubeConfigPath) ?? ''}
  if (s(d.tlsBootstrapToken)) out.discovery.tlsBootstrapToken = s(d.tlsBootstrapToken)
  if (isPlainObject(j.controlPlane)) {
    out.controlPlane = {
      localAPIEndpoint: apiEndpoint(
        j.controlPlane.localAPIEndpoint,
        host,
        ['controlPlane', 'localAPIEndpoint'],
        r,
      ),
    }
    if (s(j.controlPlane.certificateKey)) out.controlPlane.certificateKey = s(j.controlPlane.certificateKey)
  }
  if (s(o(j.patches).directory)) out.patchesDirectory = s(o(j.patches).directory)
  problems.throwIfAny()
  return out
}
