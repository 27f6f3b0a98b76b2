/** Short text views of a cluster for `get` and `create --dry-run`: a heading line and tables. */
import {formatTable} from '../../util/output.js'
import type {Cluster} from './types.js'

export const CLUSTER_COLUMNS = ['NAME', 'VERSION', 'ZONES', 'TOPOLOGY'] as const

export function clusterRow(c: Cluster): string[] {
  const t = c.spec.topology
  return [
    c.name,
    c.spec.kubernetesVersion,
    c.spec.cloud.aws.zones.join(','),
    `${t.type}${t.bastion ? '+bastion' : ''}`,
  ]
}

export function groupsTable(c: Cluster): string {
  return formatTable(
    ['NAME', 'ROLE', 'MACHINETYPE', 'MIN', 'MAX', 'SUBNETS'],
    c.instanceGroups.map((g) => [
      g.name,
      g.spec.role,
      g.spec.machineType,
      String(g.spec.minSize),
      String(g.spec.maxSize),
      g.spec.subnets.join(','),
    ]),
  )
}

/** Cluster line, then its instance groups: what `create cluster --dry-run` prints as text. */
export function clusterSummary(c: Cluster): string {
  const n = c.spec.networking
  const subnets = n.subnets.map((s) => `${s.name} ${s.type} ${s.cidr}`).join(', ')
  return [
    formatTable(CLUSTER_COLUMNS, [clusterRow(c)]).trimEnd(),
    `Network ${n.networkCIDR}: ${subnets}`,
    '',
    groupsTable(c),
  ].join('\n')
}
