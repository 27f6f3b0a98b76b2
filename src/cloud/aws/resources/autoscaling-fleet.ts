/**
 * The fleet parts of an auto-scaling group, shared by both targets: the mixed-instances policy
 * (instance types as overrides of the launch template, on-demand base and percentage, allocation
 * strategies, spot price cap) and the group metrics. Written once as plain data so the SDK call
 * and the CloudFormation property are the same structure.
 */
import type {EnabledMetric, MixedInstancesPolicy} from '@aws-sdk/client-auto-scaling'
import {changes, sortedStrings} from '../model/diff.js'
import type {FieldChange} from '../model/types.js'

/** The policy as the model holds it: every field AWS would otherwise default, written out. */
export interface MixedInstances {
  instanceTypes: string[]
  onDemandBase: number
  onDemandAboveBase: number
  onDemandAllocationStrategy: string
  spotAllocationStrategy: string
  /** Only with spotAllocationStrategy lowest-price (AWS ignores it otherwise). */
  spotInstancePools?: number
  /** USD per instance-hour; none caps spot at the on-demand price. */
  spotMaxPrice?: string
}

/** kops's list: every group-level metric, each free at 1-minute granularity. */
export const GROUP_METRICS = [
  'GroupDesiredCapacity',
  'GroupInServiceInstances',
  'GroupMaxSize',
  'GroupMinSize',
  'GroupPendingInstances',
  'GroupStandbyInstances',
  'GroupTerminatingInstances',
  'GroupTotalInstances',
] as const

/** The launch template a policy wraps: ids for the API, Ref / GetAtt for CloudFormation. */
export interface TemplateSpec<V> {
  LaunchTemplateId: V
  Version: V
}

/** The group props with references resolved, as far as the launch spec needs them. */
export interface Resolved {
  launchTemplateId: string
  launchTemplateVersion: string
  mixedInstances?: MixedInstances
}

/** `MixedInstancesPolicy` of CreateAutoScalingGroup and of `AWS::AutoScaling::AutoScalingGroup`. */
export function mixedInstancesPolicy<V>(m: MixedInstances, template: TemplateSpec<V>) {
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: template,
      Overrides: m.instanceTypes.map((InstanceType) => ({InstanceType})),
    },
    InstancesDistribution: {
      OnDemandAllocationStrategy: m.onDemandAllocationStrategy,
      OnDemandBaseCapacity: m.onDemandBase,
      OnDemandPercentageAboveBaseCapacity: m.onDemandAboveBase,
      SpotAllocationStrategy: m.spotAllocationStrategy,
      ...(m.spotInstancePools === undefined ? {} : {SpotInstancePools: m.spotInstancePools}),
      ...(m.spotMaxPrice === undefined ? {} : {SpotMaxPrice: m.spotMaxPrice}),
    },
  }
}

/** What DescribeAutoScalingGroups says, in the model's terms (AWS's defaults where it omits one). */
export function mixedFromAws(p: MixedInstancesPolicy | undefined): {mixedInstances?: MixedInstances} {
  if (!p) return {}
  const d = p.InstancesDistribution ?? {}
  const spot = d.SpotAllocationStrategy ?? 'lowest-price'
  return {
    mixedInstances: {
      instanceTypes: (p.LaunchTemplate?.Overrides ?? []).flatMap((o) =>
        o.InstanceType ? [o.InstanceType] : [],
      ),
      onDemandBase: d.OnDemandBaseCapacity ?? 0,
      onDemandAboveBase: d.OnDemandPercentageAboveBaseCapacity ?? 100,
      onDemandAllocationStrategy: d.OnDemandAllocationStrategy ?? 'prioritized',
      spotAllocationStrategy: spot,
      ...(spot === 'lowest-price' ? {spotInstancePools: d.SpotInstancePools ?? 2} : {}),
      // AWS answers an empty string for "no cap".
      ...(d.SpotMaxPrice ? {spotMaxPrice: d.SpotMaxPrice} : {}),
    },
  }
}

const FIELDS = [
  'instanceTypes',
  'onDemandBase',
  'onDemandAboveBase',
  'onDemandAllocationStrategy',
  'spotAllocationStrategy',
  'spotInstancePools',
  'spotMaxPrice',
] as const satisfies readonly (keyof MixedInstances)[]

/**
 * Field by field when the group has a policy and keeps one (`mixedInstancesPolicy.onDemandAboveBase:
 * 100 -> 25`), the whole policy when one is added or taken away.
 */
export function mixedInstancesChanges(want?: MixedInstances, have?: MixedInstances): FieldChange[] {
  if (!want && !have) return []
  if (!want || !have) return [{field: 'mixedInstancesPolicy', old: have, new: want}]
  // null stands for "not set" in the comparison (changes() skips undefined); the plan says (none).
  const pairs = FIELDS.map((f): [string, unknown, unknown] => [
    `mixedInstancesPolicy.${f}`,
    want[f] ?? null,
    have[f] ?? null,
  ])
  return changes(...pairs).map((c) => ({...c, old: c.old ?? undefined, new: c.new ?? undefined}))
}

export function readMetrics(enabled: readonly EnabledMetric[] | undefined): string[] {
  return sortedStrings((enabled ?? []).flatMap((m) => (m.Metric ? [m.Metric] : [])))
}

/** The metrics the group must collect and does not; metrics enabled by someone else stay on. */
export function metricChanges(want: readonly string[], have: readonly string[]): FieldChange[] {
  const missing = want.filter((m) => !have.includes(m))
  if (missing.length === 0) return []
  return [{field: 'metrics', old: [...have], new: sortedStrings([...new Set([...have, ...want])])}]
}
