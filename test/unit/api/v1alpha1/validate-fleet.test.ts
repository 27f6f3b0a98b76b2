/**
 * The fleet fields of an InstanceGroup (instance metadata, mixed instances, spot price) and the
 * retired `api.endpoint: dns`: each error names its field and says what is expected.
 */
import {describe, expect, it} from 'vitest'
import {loadSpec} from '../../../../src/api/v1alpha1/index.js'
import {edited, messagesOf} from './helpers.js'

const C = 'cluster.yaml: Cluster "demo.example.com":'
const IG = (name: string) => `cluster.yaml: InstanceGroup "${name}":`

describe('instance metadata', () => {
  it('defaults to IMDSv2 with hop limit 1, and takes 1 to 64 hops', () => {
    const cluster = loadSpec(
      edited(() => {}),
      'cluster.yaml',
    )
    for (const g of cluster.instanceGroups)
      expect(g.spec.instanceMetadata).toEqual({httpPutResponseHopLimit: 1, httpTokens: 'required'})
    const wrong = edited((d) => {
      d[4].spec.instanceMetadata = {httpPutResponseHopLimit: 0, httpTokens: 'v1'}
    })
    expect(messagesOf(wrong)).toEqual([
      `${IG('nodes')} spec.instanceMetadata.httpTokens: "v1" is not one of required, optional`,
    ])
    const far = edited((d) => {
      d[4].spec.instanceMetadata = {httpPutResponseHopLimit: 65}
    })
    expect(messagesOf(far)).toEqual([
      `${IG('nodes')} spec.instanceMetadata.httpPutResponseHopLimit (65) must be between 1 and 64`,
    ])
  })
})

describe('mixed instances policy', () => {
  it("fills AWS's defaults so a plan compares like with like", () => {
    const text = edited((d) => {
      d[4].spec.mixedInstancesPolicy = {instances: ['m6i.large', 'm5.large']}
    })
    const nodes = loadSpec(text, 'cluster.yaml').instanceGroups.find((g) => g.name === 'nodes')!
    expect(nodes.spec.mixedInstancesPolicy).toEqual({
      instances: ['m6i.large', 'm5.large'],
      onDemandBase: 0,
      onDemandAboveBase: 100,
      onDemandAllocationStrategy: 'prioritized',
      spotAllocationStrategy: 'price-capacity-optimized',
    })
    const lowest = edited((d) => {
      d[4].spec.mixedInstancesPolicy = {instances: ['m6i.large'], spotAllocationStrategy: 'lowest-price'}
    })
    const pools = loadSpec(lowest, 'cluster.yaml').instanceGroups.find((g) => g.name === 'nodes')!
    expect(pools.spec.mixedInstancesPolicy?.spotInstancePools).toBe(2)
  })

  it('names each wrong field and what it expects', () => {
    const text = edited((d) => {
      d[4].spec.mixedInstancesPolicy = {
        instances: ['m6i.large', 'large', 'm6i.large'],
        onDemandBase: -1,
        onDemandAboveBase: 150,
        spotInstancePools: 3,
      }
    })
    expect(messagesOf(text)).toEqual([
      `${IG('nodes')} spec.mixedInstancesPolicy.instances[1] ("large") is not an EC2 instance type like t3.medium`,
      `${IG('nodes')} spec.mixedInstancesPolicy.instances[2] ("m6i.large") is listed twice`,
      `${IG('nodes')} spec.mixedInstancesPolicy.onDemandBase (-1) must be >= 0`,
      `${IG('nodes')} spec.mixedInstancesPolicy.onDemandAboveBase (150) must be a percentage, 0 to 100`,
      `${IG('nodes')} spec.mixedInstancesPolicy.spotInstancePools applies only with spotAllocationStrategy lowest-price (got price-capacity-optimized); remove it`,
    ])
    const none = edited((d) => {
      d[4].spec.mixedInstancesPolicy = {instances: []}
    })
    expect(messagesOf(none)).toEqual([
      `${IG('nodes')} spec.mixedInstancesPolicy.instances must list 1 to 40 instance types, got 0`,
    ])
    const missing = edited((d) => {
      d[4].spec.mixedInstancesPolicy = {spotAllocationStrategy: 'cheapest'}
    })
    expect(messagesOf(missing)).toEqual([
      `${IG('nodes')} spec.mixedInstancesPolicy.spotAllocationStrategy: "cheapest" is not one of price-capacity-optimized, capacity-optimized, capacity-optimized-prioritized, lowest-price`,
      `${IG('nodes')} spec.mixedInstancesPolicy.instances: required field is missing`,
    ])
  })

  it('keeps control-plane instances (etcd members) off spot capacity', () => {
    const text = edited((d) => {
      d[1].spec.mixedInstancesPolicy = {instances: ['m6i.large', 'm5.large'], onDemandAboveBase: 0}
    })
    expect(messagesOf(text)).toEqual([
      `${IG('control-plane-us-east-1a')} spec.mixedInstancesPolicy.onDemandAboveBase (0) would run a control-plane instance (an etcd member) on spot capacity, which AWS may reclaim at two minutes' notice; set onDemandAboveBase: 100 (several instance types stay allowed) and use spot in node groups`,
    ])
    const onDemand = edited((d) => {
      d[1].spec.mixedInstancesPolicy = {instances: ['m6i.large', 'm5.large']}
    })
    expect(messagesOf(onDemand)).toEqual([])
  })

  it('takes a spot price cap only with a policy, as a price', () => {
    const alone = edited((d) => {
      d[4].spec.maxPrice = '0.05'
    })
    expect(messagesOf(alone)).toEqual([
      `${IG('nodes')} spec.maxPrice caps spot prices and needs spec.mixedInstancesPolicy (for a group of spot instances only, set mixedInstancesPolicy.onDemandAboveBase: 0)`,
    ])
    const number = edited((d) => {
      d[4].spec.maxPrice = 0.05
      d[4].spec.mixedInstancesPolicy = {instances: ['m6i.large']}
    })
    expect(messagesOf(number)).toEqual([
      `${IG('nodes')} spec.maxPrice: expected a string, got number 0.05 (quote it: "0.05")`,
    ])
    const free = edited((d) => {
      d[4].spec.maxPrice = '0'
      d[4].spec.mixedInstancesPolicy = {instances: ['m6i.large']}
    })
    expect(messagesOf(free)).toEqual([
      `${IG('nodes')} spec.maxPrice ("0") must be a price in USD per hour above 0, like "0.05"`,
    ])
  })
})

describe('cluster-autoscaler node templates', () => {
  it('refuse a label or taint key whose tag key AWS would refuse', () => {
    // A valid label key (a 92-character DNS prefix and a name) that is too long behind the prefix.
    const key = `${'a'.repeat(60)}.${'b'.repeat(20)}.example.com/key`
    const length = 46 + key.length
    const text = edited((d) => {
      d[4].spec.nodeLabels = {[key]: 'x'}
      d[4].spec.taints = [{key, effect: 'NoSchedule'}]
    })
    expect(messagesOf(text)).toEqual([
      `${IG('nodes')} spec.nodeLabels["${key}"] makes the cluster-autoscaler tag key "k8s.io/cluster-autoscaler/node-template/label/${key}" ${length} characters long; AWS allows 128 (shorten the key to 82 characters)`,
      `${IG('nodes')} spec.taints[0].key makes the cluster-autoscaler tag key "k8s.io/cluster-autoscaler/node-template/taint/${key}" ${length} characters long; AWS allows 128 (shorten the key to 82 characters)`,
    ])
  })
})

describe('api.endpoint: dns', () => {
  it('is refused with why and what to use instead', () => {
    const text = edited((d) => {
      d[0].spec.api = {endpoint: 'dns'}
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.api.endpoint: "dns" is no longer supported: it published API records at the placeholder address 203.0.113.123 and nothing on the cluster ever updated them, so no client or node could reach the API; use loadBalancer (the default: a network load balancer in front of the control plane, with the Route53 records aliasing it)`,
    ])
  })
})
