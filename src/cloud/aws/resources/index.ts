/** Every kind of resource, by name. Adding a kind: one file in this directory, one line here. */
import type {AnyDiscoverable, AnyKind} from '../model/types.js'
import {autoScalingGroupKind} from './autoscaling-group.js'
import {launchTemplateKind} from './launch-template.js'
import {securityGroupKind} from './security-group.js'
import {securityGroupRuleKind} from './security-group-rule.js'
import {subnetKind} from './subnet.js'
import {vpcKind} from './vpc.js'

export const KINDS: readonly AnyKind[] = [
  vpcKind,
  subnetKind,
  securityGroupKind,
  securityGroupRuleKind,
  launchTemplateKind,
  autoScalingGroupKind,
]

/** Kinds `delete cluster` finds but kforge never creates (what Kubernetes and AWS leave behind). */
export const DISCOVER_ONLY: readonly AnyDiscoverable[] = []

const byName = new Map<string, AnyKind>(KINDS.map((k) => [k.kind, k]))

export function kindOf(name: string): AnyKind {
  const kind = byName.get(name)
  if (!kind) throw new Error(`unknown resource kind ${name}`)
  return kind
}
