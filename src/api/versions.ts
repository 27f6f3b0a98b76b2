/**
 * Kubernetes versions kforge deploys, and the etcd, CoreDNS and pause releases kubeadm pairs with
 * them (kubeadm v1.37's constants: SupportedEtcdVersion, CoreDNSVersion, PauseVersion). The
 * supported range is the three minors upstream maintains; the upgrade skew policy builds on these
 * helpers.
 */

export interface Version {
  major: number
  minor: number
  patch: number
  /** `-rc.1`, `-alpha.0`: anything after the patch number, without the dash. Empty for releases. */
  pre: string
}

/** Oldest and newest supported minors of Kubernetes 1.x. */
export const MIN_SUPPORTED_MINOR = 35
export const MAX_SUPPORTED_MINOR = 37

export const DEFAULT_KUBERNETES_VERSION = 'v1.37.2'

/** kubeadm v1.37 deploys etcd 3.7.0 for every minor it can still manage. */
const ETCD_FOR_MINOR: Readonly<Record<number, string>> = {
  35: '3.7.0-0',
  36: '3.7.0-0',
  37: '3.7.0-0',
}

/** The CoreDNS release kubeadm deploys (constants.CoreDNSVersion). */
export const COREDNS_VERSION = 'v1.14.6'

/** The pod sandbox image kubeadm configures (constants.PauseVersion). */
export const PAUSE_VERSION = '3.10.2'

const VERSION_RE = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/

/** `v1.37.2` → parts; undefined if the text is not a `vX.Y.Z[-pre]` version. */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text)
  if (!m) return undefined
  return {major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? ''}
}

export function formatVersion(v: Version): string {
  return `v${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ''}`
}

/** Negative, zero or positive as a < b, a == b, a > b. A pre-release sorts before its release. */
export function compareVersions(a: Version, b: Version): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch
  if (d !== 0) return d
  if (a.pre === b.pre) return 0
  if (a.pre === '') return 1
  if (b.pre === '') return -1
  return a.pre < b.pre ? -1 : 1
}

export function supportedMinors(): number[] {
  const out: number[] = []
  for (let m = MIN_SUPPORTED_MINOR; m <= MAX_SUPPORTED_MINOR; m++) out.push(m)
  return out
}

/** Why `text` is not a version kforge can deploy, or undefined when it is. */
export function checkKubernetesVersion(text: string): string | undefined {
  const v = parseVersion(text)
  if (!v) return `("${text}") is not a version of the form vX.Y.Z`
  if (v.major !== 1 || v.minor < MIN_SUPPORTED_MINOR || v.minor > MAX_SUPPORTED_MINOR) {
    return `(${text}) is not supported (supported: v1.${MIN_SUPPORTED_MINOR} to v1.${MAX_SUPPORTED_MINOR})`
  }
  return undefined
}

/** The etcd version kubeadm deploys for this Kubernetes version (`3.7.0-0`). */
export function etcdVersionFor(kubernetesVersion: string | Version): string {
  const v = typeof kubernetesVersion === 'string' ? parseVersion(kubernetesVersion) : kubernetesVersion
  if (v?.major !== 1) throw new Error(`no etcd version for Kubernetes ${String(kubernetesVersion)}`)
  const minor = Math.min(Math.max(v.minor, MIN_SUPPORTED_MINOR), MAX_SUPPORTED_MINOR)
  return ETCD_FOR_MINOR[minor]!
}
