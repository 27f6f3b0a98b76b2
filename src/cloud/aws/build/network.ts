/** Network phase: VPC, subnets, internet gateway, route tables, NAT gateways. */
import {KforgeError} from '../../../util/errors.js'
import {ref} from '../model/types.js'
import type {SubnetProps} from '../resources/subnet.js'
import type {VpcProps} from '../resources/vpc.js'
import {sharedTags} from '../tags.js'
import type {ModelBuilder} from './context.js'
import {names} from './names.js'

const ROLE_TAG = {
  public: {'kubernetes.io/role/elb': '1'},
  utility: {'kubernetes.io/role/elb': '1'},
  private: {'kubernetes.io/role/internal-elb': '1'},
} as const

export function buildNetwork(b: ModelBuilder): void {
  const {spec} = b.cluster
  const aws = spec.cloud.aws
  const subnets = spec.networking.subnets

  b.add<VpcProps>(
    'Vpc',
    names.vpc,
    'network',
    {
      cidr: spec.networking.networkCIDR,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: aws.vpcId ? sharedTags(b.name) : b.tags(names.vpc, undefined),
    },
    aws.vpcId ? {external: aws.vpcId} : {},
  )

  const owned = subnets.filter((s) => s.id === undefined)
  if (aws.vpcId && owned.length > 0) {
    const i = subnets.indexOf(owned[0]!)
    throw new KforgeError(
      `spec.networking.subnets[${i}] (${owned[0]!.name}): with spec.cloud.aws.vpcId, give every subnet's id ` +
        '(kforge does not add subnets, gateways or routes to a VPC it does not own)',
    )
  }
  for (const s of subnets) {
    b.add<SubnetProps>(
      'Subnet',
      names.subnet(s.name),
      'network',
      {
        vpcId: ref(names.vpc),
        cidr: s.cidr,
        zone: s.zone,
        mapPublicIpOnLaunch: s.type !== 'private',
        tags: s.id
          ? sharedTags(b.name)
          : b.tags(names.subnet(s.name), s.name, {...ROLE_TAG[s.type], 'kforge.dev/subnet-type': s.type}),
      },
      s.id ? {external: s.id} : {},
    )
  }
  b.outputs.push({name: 'VpcId', description: 'The cluster VPC', value: ref(names.vpc)})
}
