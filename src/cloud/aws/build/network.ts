/** Network phase: VPC, subnets, internet gateway, route tables, NAT gateways. */
import {KforgeError} from '../../../util/errors.js'
import {ref} from '../model/types.js'
import type {EipProps} from '../resources/eip.js'
import type {GatewayAttachmentProps} from '../resources/gateway-attachment.js'
import type {InternetGatewayProps} from '../resources/internet-gateway.js'
import type {NatGatewayProps} from '../resources/nat-gateway.js'
import type {RouteProps} from '../resources/route.js'
import type {RouteTableProps} from '../resources/route-table.js'
import type {RouteTableAssociationProps} from '../resources/route-table-association.js'
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
  // A network the user brought comes with its own gateways and routes.
  if (!aws.vpcId) buildRouting(b)
}

function buildRouting(b: ModelBuilder): void {
  const subnets = b.cluster.spec.networking.subnets
  b.add<InternetGatewayProps>('InternetGateway', names.igw, 'network', {tags: b.tags(names.igw, undefined)})
  b.add<GatewayAttachmentProps>('GatewayAttachment', names.igwAttachment, 'network', {
    vpcId: ref(names.vpc),
    internetGatewayId: ref(names.igw),
  })
  b.add<RouteTableProps>('RouteTable', names.publicRouteTable, 'network', {
    vpcId: ref(names.vpc),
    tags: b.tags(names.publicRouteTable, 'public', {'kubernetes.io/kops/role': 'public'}),
  })
  b.add<RouteProps>(
    'Route',
    names.publicDefaultRoute,
    'network',
    {routeTableId: ref(names.publicRouteTable), destination: '0.0.0.0/0', gatewayId: ref(names.igw)},
    {dependsOn: [names.igwAttachment]},
  )
  for (const s of subnets.filter((x) => x.type !== 'private')) {
    b.add<RouteTableAssociationProps>('RouteTableAssociation', names.association(s.name), 'network', {
      routeTableId: ref(names.publicRouteTable),
      subnetId: ref(names.subnet(s.name)),
    })
  }

  const privateZones = [...new Set(subnets.filter((x) => x.type === 'private').map((x) => x.zone))]
  for (const zone of privateZones) {
    const utility = subnets.find((x) => x.type === 'utility' && x.zone === zone)
    if (!utility) {
      throw new KforgeError(
        `spec.networking.subnets: zone ${zone} has a private subnet but no utility subnet for its NAT gateway`,
      )
    }
    b.add<EipProps>('Eip', names.natEip(zone), 'network', {tags: b.tags(names.natEip(zone), `nat-${zone}`)})
    b.add<NatGatewayProps>(
      'NatGateway',
      names.nat(zone),
      'network',
      {
        subnetId: ref(names.subnet(utility.name)),
        allocationId: ref(names.natEip(zone), 'allocationId'),
        tags: b.tags(names.nat(zone), zone),
      },
      {dependsOn: [names.igwAttachment]},
    )
    b.add<RouteTableProps>('RouteTable', names.privateRouteTable(zone), 'network', {
      vpcId: ref(names.vpc),
      tags: b.tags(names.privateRouteTable(zone), `private-${zone}`, {
        'kubernetes.io/kops/role': `private-${zone}`,
      }),
    })
    b.add<RouteProps>('Route', names.privateDefaultRoute(zone), 'network', {
      routeTableId: ref(names.privateRouteTable(zone)),
      destination: '0.0.0.0/0',
      natGatewayId: ref(names.nat(zone)),
    })
    for (const s of subnets.filter((x) => x.type === 'private' && x.zone === zone)) {
      b.add<RouteTableAssociationProps>('RouteTableAssociation', names.association(s.name), 'network', {
        routeTableId: ref(names.privateRouteTable(zone)),
        subnetId: ref(names.subnet(s.name)),
      })
    }
  }
}
