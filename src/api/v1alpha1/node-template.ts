/**
 * What a group's nodes look like to cluster-autoscaler before one exists: the labels and taints
 * they will register with, written as the `k8s.io/cluster-autoscaler/node-template/...` tags of
 * the group (kops's CloudTagsForInstanceGroup). The autoscaler reads them to scale a group up
 * from zero for a pod that selects or tolerates them, so they must be exactly what the node gets:
 * the group's own labels and taints, the instance-group label every kubelet registers with, and on
 * the control plane the labels and taint kubeadm's mark-control-plane adds. (kops's
 * `node-role.kubernetes.io/node` is not among them: kops-controller sets that label and kforge has
 * no such controller, so a template naming it would send pods to nodes that never carry it.)
 */
import type {InstanceGroup, Taint} from './types.js'

export const INSTANCE_GROUP_LABEL = 'kforge.dev/instancegroup'
/** kubeadm's mark-control-plane (src/phases/init/api/mark-control-plane.ts holds the same two). */
export const CONTROL_PLANE_NODE_LABELS: Readonly<Record<string, string>> = {
  'node-role.kubernetes.io/control-plane': '',
  'node.kubernetes.io/exclude-from-external-load-balancers': '',
}
export const CONTROL_PLANE_NODE_TAINT: Taint = {
  key: 'node-role.kubernetes.io/control-plane',
  effect: 'NoSchedule',
}

export const NODE_TEMPLATE_LABEL = 'k8s.io/cluster-autoscaler/node-template/label/'
export const NODE_TEMPLATE_TAINT = 'k8s.io/cluster-autoscaler/node-template/taint/'

/** The labels and taints a group's nodes register with; none for the bastion, which is no node. */
export function nodeTemplate(group: InstanceGroup): {labels: Record<string, string>; taints: Taint[]} {
  const {role, nodeLabels, taints} = group.spec
  switch (role) {
    case 'bastion':
      return {labels: {}, taints: []}
    case 'node':
      return {labels: {...nodeLabels, [INSTANCE_GROUP_LABEL]: group.name}, taints: [...taints]}
    case 'control-plane': {
      const own = taints.some((t) => t.key === CONTROL_PLANE_NODE_TAINT.key)
      return {
        labels: {...nodeLabels, [INSTANCE_GROUP_LABEL]: group.name, ...CONTROL_PLANE_NODE_LABELS},
        taints: own ? [...taints] : [CONTROL_PLANE_NODE_TAINT, ...taints],
      }
    }
    default: {
      const never: never = role
      throw new Error(`unknown role ${String(never)}`)
    }
  }
}

/**
 * The node-template tags: one per label (its value), one per taint key (`value:effect`, as
 * cluster-autoscaler parses it). Two taints on one key with different effects share one tag, the
 * last written winning, as in kops: the tag format has room for one effect per key.
 */
export function nodeTemplateTags(group: InstanceGroup): Record<string, string> {
  const {labels, taints} = nodeTemplate(group)
  const tags: Record<string, string> = {}
  for (const [k, v] of Object.entries(labels)) tags[`${NODE_TEMPLATE_LABEL}${k}`] = v
  for (const t of taints) tags[`${NODE_TEMPLATE_TAINT}${t.key}`] = `${t.value ?? ''}:${t.effect}`
  return tags
}
