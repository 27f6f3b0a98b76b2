/**
 * The checks of `validate cluster`, as pure functions over what was read: the resource plan (no
 * resource of the model missing), the groups (desired instances InService, on the launch template
 * version the group launches now) and the Kubernetes view (a Ready Node per instance, with its
 * zone labels and providerID; control-plane pods on every control-plane node; no kube-system pod
 * pending or unready). Each problem is one `Failure` naming the object at fault.
 */

import type {Cluster} from '../api/v1alpha1/types.js'
import type {Plan} from '../cloud/aws/direct/plan.js'
import type {Node, Pod} from '../kube/types.js'
import type {GroupInfo, InstanceInfo, Inventory} from './inventory.js'
import {outdatedReason} from './needs-update.js'

export type FailureKind = 'resource' | 'group' | 'instance' | 'node' | 'pod' | 'api' | 'backup'

export interface Failure {
  kind: FailureKind
  name: string
  message: string
}

export const ZONE_LABEL = 'topology.kubernetes.io/zone'
export const REGION_LABEL = 'topology.kubernetes.io/region'
export const CONTROL_PLANE_COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
] as const

/** Every resource of the model exists (pending modifications are `update cluster`'s business). */
export function resourceFailures(plan: Plan, cluster: string): Failure[] {
  const out: Failure[] = []
  for (const item of plan.items) {
    // A missing group is reported with its instances by groupFailures.
    if (item.action !== 'create' || item.desired.kind === 'AutoScalingGroup') continue
    out.push({
      kind: 'resource',
      name: `${item.desired.kind} ${item.desired.name}`,
      message: `does not exist (kforge update cluster ${cluster} --yes creates it)`,
    })
  }
  for (const r of plan.refused) out.push({kind: 'resource', name: r.phase, message: r.message})
  return out
}

export interface GroupCheckOptions {
  /**
   * Report what a rolling update would replace: members not on their group's launch template
   * version, instances detached by an unfinished roll. Default: true
   */
  currentVersions?: boolean
}

export function groupFailures(cluster: Cluster, inv: Inventory, options: GroupCheckOptions = {}): Failure[] {
  const out: Failure[] = []
  for (const ig of cluster.instanceGroups) {
    const g = inv.groups.find((x) => x.name === ig.name)
    if (!g) {
      out.push({
        kind: 'group',
        name: ig.name,
        message: `no auto-scaling group (kforge update cluster ${cluster.name} --yes creates it)`,
      })
      continue
    }
    const inService = g.instances.filter((i) => i.lifecycle === 'InService')
    if (inService.length < g.desired) {
      const others = g.instances
        .filter((i) => i.lifecycle !== 'InService')
        .map((i) => `${i.id} ${i.lifecycle ?? i.state}`)
      out.push({
        kind: 'group',
        name: g.name,
        message: `${inService.length} of ${g.desired} instances InService${others.length ? ` (${others.join(', ')})` : ''}`,
      })
    }
    if (options.currentVersions === false) continue
    for (const i of inService) {
      const why = outdatedReason(g, i)
      if (why) {
        out.push({
          kind: 'instance',
          name: i.id,
          message: `group ${g.name}: ${why} (kforge rolling-update cluster ${cluster.name} replaces it)`,
        })
      }
    }
  }
  if (options.currentVersions === false) return out
  for (const i of inv.detached) {
    out.push({
      kind: 'instance',
      name: i.id,
      message: `detached from ${i.detachedFrom} by an unfinished rolling update (kforge rolling-update cluster ${cluster.name} --yes finishes it)`,
    })
  }
  return out
}

/** The Node of an instance: providerID `aws:///<zone>/<id>`, or the kubelet's default name. */
export function nodeOf(nodes: readonly Node[], i: InstanceInfo): Node | undefined {
  return (
    nodes.find((n) => n.spec?.providerID?.split('/').pop() === i.id) ??
    nodes.find((n) => i.privateDns !== '' && n.metadata.name === i.privateDns)
  )
}

function ready(conditions: readonly {type: string; status: string}[] | undefined): boolean {
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

function notReadyWhy(node: Node): string {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready')
  if (!c) return 'no Ready condition reported'
  return `Ready is ${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`
}

function componentOf(pod: Pod): string | undefined {
  const labels = pod.metadata.labels ?? {}
  if (labels.component && labels.tier === 'control-plane') return labels.component
  const hosted = /^self-hosted-(.+)$/.exec(labels['k8s-app'] ?? '')
  return hosted?.[1]
}

function podProblem(pod: Pod): string | undefined {
  const phase = pod.status?.phase ?? 'Pending'
  if (phase === 'Succeeded' || phase === 'Failed') return undefined
  if (phase === 'Pending') {
    const unschedulable = pod.status?.conditions?.find(
      (c) => c.type === 'PodScheduled' && c.status === 'False',
    )
    const why = unschedulable?.message ?? pod.status?.message ?? pod.status?.reason
    return `is Pending${why ? `: ${why}` : ''}`
  }
  if (!ready(pod.status?.conditions)) return `is ${phase} but not Ready`
  return undefined
}

export function kubeFailures(
  groups: readonly GroupInfo[],
  nodes: readonly Node[],
  systemPods: readonly Pod[],
): Failure[] {
  const out: Failure[] = []
  for (const g of groups) {
    if (g.role === 'bastion') continue
    for (const i of g.instances) {
      if (i.lifecycle !== 'InService') continue
      const node = nodeOf(nodes, i)
      if (!node) {
        out.push({
          kind: 'instance',
          name: i.id,
          message: `group ${g.name}: no Node registered for it (${i.privateDns || i.zone})`,
        })
        continue
      }
      const name = node.metadata.name!
      if (!ready(node.status?.conditions))
        out.push({kind: 'node', name, message: `not Ready: ${notReadyWhy(node)}`})
      if (!node.spec?.providerID)
        out.push({
          kind: 'node',
          name,
          message: 'spec.providerID is not set (the AWS cloud controller sets it)',
        })
      const zone = node.metadata.labels?.[ZONE_LABEL]
      if (zone !== i.zone)
        out.push({
          kind: 'node',
          name,
          message: `label ${ZONE_LABEL} is ${zone === undefined ? 'missing' : `"${zone}"`}, the instance is in ${i.zone}`,
        })
      if (!node.metadata.labels?.[REGION_LABEL])
        out.push({kind: 'node', name, message: `label ${REGION_LABEL} is missing`})
      if (g.role === 'control-plane') {
        for (const component of CONTROL_PLANE_COMPONENTS) {
          const found = systemPods.some((p) => p.spec.nodeName === name && componentOf(p) === component)
          if (!found)
            out.push({
              kind: 'pod',
              name: `kube-system/${component}`,
              message: `no ${component} pod on control-plane node ${name}`,
            })
        }
      }
    }
  }
  for (const pod of systemPods) {
    const problem = podProblem(pod)
    if (problem)
      out.push({kind: 'pod', name: `${pod.metadata.namespace}/${pod.metadata.name}`, message: problem})
  }
  return out
}
