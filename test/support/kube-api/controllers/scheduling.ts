/** Node fitness as the scheduler and the DaemonSet controller judge it: nodeSelector, required node affinity, taints. */
import type {Node, NodeSelectorRequirement, PodSpec, Taint, Toleration} from '../../../../src/kube/types.js'

export function tolerates(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false
    if (t.operator === 'Exists') return t.key === undefined || t.key === '' || t.key === taint.key
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '')
  })
}

function requirementHolds(req: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (req.operator) {
    case 'In':
      return value !== undefined && (req.values ?? []).includes(value)
    case 'NotIn':
      return value === undefined || !(req.values ?? []).includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
  }
}

export function fitsNode(spec: PodSpec, node: Node): {fits: boolean; reason?: string} {
  const labels = node.metadata.labels ?? {}
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[k] !== v)
      return {fits: false, reason: `node(s) didn't match Pod's node affinity/selector (${k}=${v})`}
  }
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  if (terms && terms.length > 0) {
    const ok = terms.some(
      (t) =>
        (t.matchExpressions ?? []).every((r) => requirementHolds(r, labels[r.key])) &&
        (t.matchFields ?? []).every((r) =>
          requirementHolds(r, r.key === 'metadata.name' ? node.metadata.name : undefined),
        ),
    )
    if (!ok) return {fits: false, reason: "node(s) didn't match Pod's node affinity"}
  }
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue
    if (!tolerates(spec.tolerations, taint))
      return {fits: false, reason: `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`}
  }
  return {fits: true}
}

export function podReady(pod: {status?: {conditions?: {type: string; status: string}[]}}): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}
