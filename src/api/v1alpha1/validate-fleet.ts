/**
 * InstanceGroup fleet rules: instance metadata, the mixed-instances policy and spot price, and the
 * cluster-autoscaler node-template tags each group carries (AWS's limits on tag keys and counts).
 */
import {AWS_ID, AWS_MAX_TAGS} from '../names.js'
import type {Path, Problems, Subject} from '../problems.js'
import {NODE_TEMPLATE_LABEL, NODE_TEMPLATE_TAINT, nodeTemplateTags} from './node-template.js'
import type {InstanceGroup} from './types.js'

/** AWS: a mixed-instances policy takes at most 40 instance-type overrides. */
export const MAX_INSTANCE_TYPES = 40
const AWS_TAG_KEY_MAX = 128
const PRICE = /^(0|[1-9]\d*)(\.\d+)?$/

/**
 * The most tags kforge itself puts on a group's auto-scaling group and instances, besides the
 * node templates: KubernetesCluster, Name, the cluster's ownership tag, kforge.dev/resource,
 * kforge.dev/instancegroup, and either two role tags and kforge.dev/etcd-member (control plane)
 * or one role tag and cluster-autoscaler's two discovery tags (nodes). The resource model's test holds the builder to it.
 */
export const KFORGE_GROUP_TAGS = 8
/**
 * Tags on the auto-scaling group only, never propagated to its instances: the record of its
 * termination hook (`kforge.dev/lifecycle-hook`), on every group but a bastion's.
 */
export const KFORGE_GROUP_ONLY_TAGS = 1

/** The most tags kforge puts on a group's instances: its own and one per node template. */
export function instanceTagCount(group: InstanceGroup): number {
  return KFORGE_GROUP_TAGS + Object.keys(nodeTemplateTags(group)).length
}

/** The most tags kforge puts on the group itself: the instances' and the hook's record. */
export function kforgeGroupTagCount(group: InstanceGroup): number {
  return instanceTagCount(group) + (group.spec.role === 'bastion' ? 0 : KFORGE_GROUP_ONLY_TAGS)
}

export function validateFleet(ig: InstanceGroup, g: Subject, problems: Problems): void {
  const s = ig.spec
  const hops = s.instanceMetadata.httpPutResponseHopLimit
  if (hops < 1 || hops > 64)
    problems.field(
      g,
      ['spec', 'instanceMetadata', 'httpPutResponseHopLimit'],
      `(${hops}) must be between 1 and 64`,
    )
  if (s.mixedInstancesPolicy) checkMixedInstances(ig, g, problems)
  if (s.maxPrice !== undefined) {
    if (!PRICE.test(s.maxPrice) || Number(s.maxPrice) <= 0) {
      problems.field(
        g,
        ['spec', 'maxPrice'],
        `("${s.maxPrice}") must be a price in USD per hour above 0, like "0.05"`,
      )
    } else if (!s.mixedInstancesPolicy) {
      problems.field(
        g,
        ['spec', 'maxPrice'],
        'caps spot prices and needs spec.mixedInstancesPolicy (for a group of spot instances only, set mixedInstancesPolicy.onDemandAboveBase: 0)',
      )
    }
  }
  checkTemplateTags(ig, g, problems)
}

function checkMixedInstances(ig: InstanceGroup, g: Subject, problems: Problems): void {
  const m = ig.spec.mixedInstancesPolicy!
  const at: Path = ['spec', 'mixedInstancesPolicy']
  if (m.instances.length === 0 || m.instances.length > MAX_INSTANCE_TYPES) {
    problems.field(
      g,
      [...at, 'instances'],
      `must list 1 to ${MAX_INSTANCE_TYPES} instance types, got ${m.instances.length}`,
    )
  }
  m.instances.forEach((type, i) => {
    if (!AWS_ID.instanceType.test(type))
      problems.field(g, [...at, 'instances', i], `("${type}") is not an EC2 instance type like t3.medium`)
    else if (m.instances.indexOf(type) !== i)
      problems.field(g, [...at, 'instances', i], `("${type}") is listed twice`)
  })
  if (m.onDemandBase < 0) problems.field(g, [...at, 'onDemandBase'], `(${m.onDemandBase}) must be >= 0`)
  if (m.onDemandAboveBase < 0 || m.onDemandAboveBase > 100)
    problems.field(g, [...at, 'onDemandAboveBase'], `(${m.onDemandAboveBase}) must be a percentage, 0 to 100`)
  if (m.spotInstancePools !== undefined) {
    if (m.spotAllocationStrategy !== 'lowest-price') {
      problems.field(
        g,
        [...at, 'spotInstancePools'],
        `applies only with spotAllocationStrategy lowest-price (got ${m.spotAllocationStrategy}); remove it`,
      )
    } else if (m.spotInstancePools < 1 || m.spotInstancePools > 20) {
      problems.field(g, [...at, 'spotInstancePools'], `(${m.spotInstancePools}) must be between 1 and 20`)
    }
  }
  // A control-plane instance holds an etcd member: a spot reclaim takes it away with two
  // minutes' notice, and with it the quorum of a small control plane.
  const spot = m.onDemandBase < ig.spec.maxSize && m.onDemandAboveBase < 100
  if (ig.spec.role === 'control-plane' && spot) {
    problems.field(
      g,
      [...at, 'onDemandAboveBase'],
      `(${m.onDemandAboveBase}) would run a control-plane instance (an etcd member) on spot capacity, which AWS may reclaim at two minutes' notice; set onDemandAboveBase: 100 (several instance types stay allowed) and use spot in node groups`,
    )
  }
}

/**
 * Every node label and taint becomes a tag whose key is the autoscaler's prefix plus the label or
 * taint key: AWS refuses tag keys over 128 characters, and a group with over 50 tags.
 */
function checkTemplateTags(ig: InstanceGroup, g: Subject, problems: Problems): void {
  const s = ig.spec
  const long = (key: string, prefix: string) => prefix.length + [...key].length > AWS_TAG_KEY_MAX
  const why = (prefix: string, key: string) =>
    `makes the cluster-autoscaler tag key "${prefix}${key}" ${prefix.length + [...key].length} characters long; AWS allows ${AWS_TAG_KEY_MAX} (shorten the key to ${AWS_TAG_KEY_MAX - prefix.length} characters)`
  for (const key of Object.keys(s.nodeLabels))
    if (long(key, NODE_TEMPLATE_LABEL))
      problems.field(g, ['spec', 'nodeLabels', key], why(NODE_TEMPLATE_LABEL, key))
  s.taints.forEach((t, i) => {
    if (long(t.key, NODE_TEMPLATE_TAINT))
      problems.field(g, ['spec', 'taints', i, 'key'], why(NODE_TEMPLATE_TAINT, t.key))
  })
  const templates = Object.keys(nodeTemplateTags(ig)).length
  const count = kforgeGroupTagCount(ig) + Object.keys(s.cloudLabels).length
  if (count > AWS_MAX_TAGS) {
    problems.field(
      g,
      ['spec', 'cloudLabels'],
      `would give the group ${count} tags (kforge's ${count - templates - Object.keys(s.cloudLabels).length}, ${templates} cluster-autoscaler node templates for the nodes' labels and taints, ${Object.keys(s.cloudLabels).length} cloud labels); AWS allows ${AWS_MAX_TAGS} per resource`,
    )
  }
}
