/**
 * Which instances a rolling update replaces, and why: those launched from another launch template
 * or version than the one their group launches now, instances an earlier roll detached from their
 * group, and — with `--force` — every instance. Pure: it reads an inventory.
 */
import type {Cluster, InstanceGroupRole} from '../api/v1alpha1/types.js'
import {type GroupInfo, type InstanceInfo, type Inventory, roleOf} from './inventory.js'

export interface Candidate {
  group: string
  role: InstanceGroupRole
  instance: InstanceInfo
  reason: string
}

/** Why this member of `group` is out of date, or undefined when it runs the group's version. */
export function outdatedReason(group: GroupInfo, i: InstanceInfo): string | undefined {
  if (!i.launchTemplateId || !i.launchTemplateVersion)
    return 'launched without a known launch template version'
  if (i.launchTemplateId !== group.launchTemplateId)
    return `launch template ${i.launchTemplateId}, the group's is ${group.launchTemplateId}`
  if (i.launchTemplateVersion !== group.launchTemplateVersion)
    return `launch template version ${i.launchTemplateVersion}, the group's is ${group.launchTemplateVersion}`
  return undefined
}

export interface SelectOptions {
  /** Only these instance groups. Default: all */
  groups?: readonly string[]
  /** Replace every instance, up to date or not. */
  force?: boolean
}

export function instancesToUpdate(
  inv: Inventory,
  cluster: Cluster,
  options: SelectOptions = {},
): Candidate[] {
  const wanted = (name: string) =>
    !options.groups || options.groups.length === 0 || options.groups.includes(name)
  const out: Candidate[] = []
  for (const g of inv.groups) {
    if (!wanted(g.name)) continue
    for (const i of g.instances) {
      // Instances on their way out are the group's business, not ours.
      if (i.lifecycle && /^Terminating|^Detaching|^Terminated/.test(i.lifecycle)) continue
      const reason = outdatedReason(g, i) ?? (options.force ? 'forced (--force)' : undefined)
      if (reason) out.push({group: g.name, role: g.role, instance: i, reason})
    }
  }
  for (const i of inv.detached) {
    if (!wanted(i.group)) continue
    out.push({
      group: i.group,
      role: roleOf(inv, cluster, i.group),
      instance: i,
      reason: `detached from ${i.detachedFrom} by an earlier rolling update`,
    })
  }
  return out
}

/** The roll order kops uses: bastions, then control-plane groups, then node groups; by name within. */
export const ROLE_ORDER: readonly InstanceGroupRole[] = ['bastion', 'control-plane', 'node']

export function byRollOrder(a: Candidate, b: Candidate): number {
  return (
    ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) ||
    a.group.localeCompare(b.group) ||
    a.instance.id.localeCompare(b.instance.id)
  )
}
