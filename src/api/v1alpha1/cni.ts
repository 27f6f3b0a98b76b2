/**
 * Which pod networks kforge installs whole. calico, cilium and amazon-vpc are rendered only as
 * their agents (src/kube/manifests/cni.ts: no CRDs, no CNI install steps), so a node on them would
 * never turn Ready; the spec and a node's node.yaml refuse them rather than ship them half.
 */
import type {CniPlugin} from './types.js'

const INCOMPLETE: readonly CniPlugin[] = ['calico', 'cilium', 'amazon-vpc']

/** Why `cni` cannot be used, or undefined when kforge installs it whole. */
export function incompleteCni(cni: CniPlugin): string | undefined {
  return INCOMPLETE.includes(cni)
    ? `("${cni}") is not installed whole by this kforge (only its agent, without its CRDs and CNI install steps), so no node would turn Ready: use flannel, the default`
    : undefined
}
