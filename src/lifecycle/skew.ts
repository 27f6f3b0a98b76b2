/**
 * The Kubernetes version skew policy as `kforge upgrade` enforces it (kubeadm upgrade's rules):
 * the control plane moves one minor version at a time, up, or back by at most one; never to a
 * version kforge does not support; pre-releases only when asked; and kubelets are never newer
 * than the control plane nor more than three minors older. Each refusal names the rule.
 */
import {checkKubernetesVersion, compareVersions, parseVersion, type Version} from '../api/versions.js'
import {KforgeError} from '../util/errors.js'

export const KUBELET_MAX_MINORS_BEHIND = 3

export interface SkewInput {
  current: string
  target: string
  /** Node name → kubelet version, when the API could be read. */
  kubelets?: Readonly<Record<string, string>>
  allowPrerelease?: boolean
}

export type UpgradeKind = 'none' | 'patch' | 'minor' | 'downgrade'

function minor(v: Version): string {
  return `v${v.major}.${v.minor}`
}

/** The kind of change, or a KforgeError naming the rule it breaks. */
export function checkSkew(input: SkewInput): UpgradeKind {
  const why = checkKubernetesVersion(input.target)
  if (why) throw new KforgeError(`--kubernetes-version ${why}`)
  const target = parseVersion(input.target)!
  const current = parseVersion(input.current)
  if (!current)
    throw new KforgeError(`spec.kubernetesVersion ("${input.current}") is not a version of the form vX.Y.Z`)
  if (target.pre !== '' && !input.allowPrerelease) {
    throw new KforgeError(
      `--kubernetes-version ${input.target} is a pre-release; pass --allow-prerelease to upgrade to it (kubeadm's rule too)`,
    )
  }
  const policy = 'the Kubernetes version skew policy'
  if (target.major !== current.major) {
    throw new KforgeError(
      `cannot change ${input.current} to ${input.target}: ${policy} has no path between major versions`,
    )
  }
  if (target.minor > current.minor + 1) {
    const next = minor({...current, minor: current.minor + 1})
    throw new KforgeError(
      `cannot upgrade ${input.current} to ${input.target}: ${policy} allows upgrading the control plane one minor version at a time ` +
        `(${minor(current)} -> ${next} -> ... -> ${minor(target)}); upgrade to a ${next} release first`,
    )
  }
  if (target.minor < current.minor - 1) {
    throw new KforgeError(
      `cannot downgrade ${input.current} to ${input.target}: ${policy} allows going back at most one minor version (to ${minor({...current, minor: current.minor - 1})})`,
    )
  }
  for (const [node, text] of Object.entries(input.kubelets ?? {})) {
    const kubelet = parseVersion(text)
    if (!kubelet) continue
    if (compareVersions(kubelet, target) > 0) {
      throw new KforgeError(
        `cannot change the control plane to ${input.target}: node ${node} runs kubelet ${text}, and ${policy} never lets kubelets be newer than the API server`,
      )
    }
    if (target.minor - kubelet.minor > KUBELET_MAX_MINORS_BEHIND) {
      throw new KforgeError(
        `cannot upgrade to ${input.target}: node ${node} runs kubelet ${text}, and ${policy} allows kubelets at most ${KUBELET_MAX_MINORS_BEHIND} minor versions older than the API server; upgrade its group first`,
      )
    }
  }
  const order = compareVersions(target, current)
  if (order === 0) return 'none'
  if (order < 0) return 'downgrade'
  return target.minor === current.minor ? 'patch' : 'minor'
}
