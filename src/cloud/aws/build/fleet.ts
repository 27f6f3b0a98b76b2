/**
 * The fleet side of an instance group's auto-scaling group: how it mixes instance types and spot
 * capacity, which metrics it collects, and the tags cluster-autoscaler reads (discovery on node
 * groups, node templates on every group whose instances become nodes).
 */
import {nodeTemplateTags} from '../../../api/v1alpha1/node-template.js'
import type {InstanceGroup} from '../../../api/v1alpha1/types.js'
import type {Tags} from '../model/types.js'
import {GROUP_METRICS, type MixedInstances} from '../resources/autoscaling-fleet.js'

export function autoscalerTags(cluster: string, group: InstanceGroup): Tags {
  // Discovery only on node groups: the autoscaler must never resize a control-plane group.
  const discovery: Tags =
    group.spec.role === 'node'
      ? {'k8s.io/cluster-autoscaler/enabled': '1', [`k8s.io/cluster-autoscaler/${cluster}`]: 'owned'}
      : {}
  return {...discovery, ...nodeTemplateTags(group)}
}

export function fleetProps(group: InstanceGroup): {mixedInstances?: MixedInstances; metrics: string[]} {
  const m = group.spec.mixedInstancesPolicy
  // kops collects every group metric on every group (no charge at 1-minute granularity).
  const metrics = [...GROUP_METRICS]
  if (!m) return {metrics}
  return {
    metrics,
    mixedInstances: {
      instanceTypes: [...m.instances],
      onDemandBase: m.onDemandBase,
      onDemandAboveBase: m.onDemandAboveBase,
      onDemandAllocationStrategy: m.onDemandAllocationStrategy,
      spotAllocationStrategy: m.spotAllocationStrategy,
      ...(m.spotInstancePools === undefined ? {} : {spotInstancePools: m.spotInstancePools}),
      ...(group.spec.maxPrice === undefined ? {} : {spotMaxPrice: group.spec.maxPrice}),
    },
  }
}
