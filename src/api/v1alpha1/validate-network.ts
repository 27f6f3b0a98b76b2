/** Network rules: VPC, subnet, pod and service CIDRs, subnet placement by zone and topology. */
import {type Cidr, cidrProblem, contains, overlaps, parseCidr} from '../cidr.js'
import {AWS_ID, isDnsLabel} from '../names.js'
import type {Path, Problems, Subject} from '../problems.js'
import type {Cluster} from './types.js'

const NET: Path = ['spec', 'networking']

export function validateNetwork(cluster: Cluster, problems: Problems): void {
  const c: Subject = {kind: 'Cluster', name: cluster.name}
  const n = cluster.spec.networking
  const zones = cluster.spec.cloud.aws.zones

  /** Parse a CIDR field, reporting why it is bad; undefined when it is. */
  const cidrAt = (path: Path, text: string): Cidr | undefined => {
    const problem = cidrProblem(text)
    if (problem) problems.field(c, path, `("${text}") ${problem}`)
    return problem ? undefined : parseCidr(text)
  }

  const network = cidrAt([...NET, 'networkCIDR'], n.networkCIDR)
  if (network && (network.prefix < 16 || network.prefix > 28)) {
    problems.field(
      c,
      [...NET, 'networkCIDR'],
      `(${n.networkCIDR}) must be between /16 and /28 (the VPC sizes AWS allows)`,
    )
  }
  const pods = cidrAt([...NET, 'podCIDR'], n.podCIDR)
  if (pods && pods.prefix > 24) {
    problems.field(
      c,
      [...NET, 'podCIDR'],
      `(${n.podCIDR}) must be /24 or larger: each node takes a /24 from it`,
    )
  }
  const services = cidrAt([...NET, 'serviceCIDR'], n.serviceCIDR)
  if (services && services.prefix < 12) {
    problems.field(
      c,
      [...NET, 'serviceCIDR'],
      `(${n.serviceCIDR}) must be /12 or smaller (the API server's limit)`,
    )
  }
  const ranges: Array<[string, Cidr | undefined, string]> = [
    ['networkCIDR', network, n.networkCIDR],
    ['podCIDR', pods, n.podCIDR],
    ['serviceCIDR', services, n.serviceCIDR],
  ]
  for (let i = 0; i < ranges.length; i++) {
    for (let j = 0; j < i; j++) {
      const [nameA, a, textA] = ranges[i]!
      const [nameB, b, textB] = ranges[j]!
      if (a && b && overlaps(a, b)) {
        problems.field(c, [...NET, nameA], `(${textA}) overlaps spec.networking.${nameB} (${textB})`)
      }
    }
  }

  if (n.subnets.length === 0) problems.field(c, [...NET, 'subnets'], 'must list at least one subnet')
  const seenNames = new Map<string, number>()
  const placed: Array<{index: number; cidr: Cidr}> = []
  n.subnets.forEach((s, i) => {
    const at: Path = [...NET, 'subnets', i]
    if (!isDnsLabel(s.name)) {
      problems.field(
        c,
        [...at, 'name'],
        `("${s.name}") is not a DNS label (lowercase letters, digits and '-')`,
      )
    }
    const first = seenNames.get(s.name)
    if (first !== undefined)
      problems.field(c, [...at, 'name'], `("${s.name}") is already used by spec.networking.subnets[${first}]`)
    else seenNames.set(s.name, i)
    if (!zones.includes(s.zone)) {
      problems.field(c, [...at, 'zone'], `("${s.zone}") is not in spec.cloud.aws.zones [${zones.join(', ')}]`)
    }
    if (s.id !== undefined) {
      if (!AWS_ID.subnet.test(s.id)) {
        problems.field(c, [...at, 'id'], `("${s.id}") is not a subnet id like subnet-0123456789abcdef0`)
      }
      if (cluster.spec.cloud.aws.vpcId === undefined) {
        problems.field(
          c,
          [...at, 'id'],
          'needs spec.cloud.aws.vpcId: an existing subnet lives in an existing VPC',
        )
      }
    }
    if (s.type === 'private' && cluster.spec.topology.type === 'public') {
      problems.field(
        c,
        [...at, 'type'],
        '("private") needs spec.topology.type: private (only it has NAT gateways)',
      )
    }
    if (s.cidr === '') {
      if (s.id !== undefined)
        problems.field(c, [...at, 'cidr'], `is required for an existing subnet (${s.id})`)
      else if (network) {
        problems.field(
          c,
          [...at, 'cidr'],
          `could not be allocated: spec.networking.networkCIDR (${n.networkCIDR}) is full`,
        )
      }
      return
    }
    const cidr = cidrAt([...at, 'cidr'], s.cidr)
    if (!cidr) return
    if (cidr.prefix < 16 || cidr.prefix > 28) {
      problems.field(
        c,
        [...at, 'cidr'],
        `(${s.cidr}) must be between /16 and /28 (the subnet sizes AWS allows)`,
      )
    }
    if (network && !contains(network, cidr)) {
      problems.field(
        c,
        [...at, 'cidr'],
        `(${s.cidr}) is not inside spec.networking.networkCIDR (${n.networkCIDR})`,
      )
    }
    const clash = placed.find((p) => overlaps(p.cidr, cidr))
    if (clash) {
      const other = n.subnets[clash.index]!
      problems.field(
        c,
        [...at, 'cidr'],
        `(${s.cidr}) overlaps spec.networking.subnets[${clash.index}].cidr (${other.cidr})`,
      )
    }
    placed.push({index: i, cidr})
  })

  if (cluster.spec.topology.type === 'private') {
    for (const zone of zones) {
      const has = (type: string) => n.subnets.some((s) => s.zone === zone && s.type === type)
      if (has('private') && !has('utility')) {
        problems.field(
          c,
          [...NET, 'subnets'],
          `has no utility subnet in zone ${zone} (its NAT gateway lives there)`,
        )
      }
    }
  }
}
