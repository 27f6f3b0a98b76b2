/** Network phase: VPC, subnets, internet gateway, route tables, NAT gateways. */
import {KforgeError} from '../../../util/errors.js'
import {ref} from '../model/types.js'
import {eipKind} from '../resources/eip.js'
import {gatewayAttachmentKind} from '../resources/gateway-attachment.js'
import {internetGatewayKind} from '../resources/internet-gateway.js'
import {natGatewayKind} from '../resources/nat-gateway.js'
import {routeKind} from '../resources/route.js'
import {routeTableKind} from '../resources/route-table.js'
import {routeTableAssociationKind} from '../resources/route-table-association.js'
import {subnetKind} from '../resources/subnet.js'
import {vpcKind} from '../resources/vpc.js'
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

  b.add(
    vpcKind,
    names.vpc,
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
    b.add(
      subnetKind,
      names.subnet(s.name),
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
  b.add(internetGatewayKind, names.igw, {tags: b.tags(names.igw, undefined)})
  b.add(gatewayAttachmentKind, names.igwAttachment, {
    vpcId: ref(names.vpc),
    internetGatewayId: ref(names.igw),
  })
  b.add(routeTableKind, names.publicRouteTable, {
    vpcId: ref(names.vpc),
    tags: b.tags(names.publicRouteTable, 'public', {'kubernetes.io/kops/role': 'public'}),
  })
  b.add(
    routeKind,
    names.publicDefaultRoute,
    {routeTableId: ref(names.publicRouteTable), destination: '0.0.0.0/0', gatewayId: ref(names.igw)},
    {dependsOn: [names.igwAttachment]},
  )
  for (const s of subnets.filter((x) => x.type !== 'private')) {
    b.add(routeTableAssociationKind, names.association(s.name), {
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
    b.add(eipKind, names.natEip(zone), {tags: b.tags(names.natEip(zone), `nat-${zone}`)})
    b.add(
      natGatewayKind,
      names.nat(zone),
      {
        subnetId: ref(names.subnet(utility.name)),
        allocationId: ref(names.natEip(zone), 'allocationId'),
        tags: b.tags(names.nat(zone), zone),
      },
      {dependsOn: [names.igwAttachment]},
    )
    b.add(routeTableKind, names.privateRouteTable(zone), {
      vpcId: ref(names.vpc),
      tags: b.tags(names.privateRouteTable(zone), `private-${zone}`, {
        'kubernetes.io/kops/role': `private-${zone}`,
      }),
    })
    b.add(routeKind, names.privateDefaultRoute(zone), {
      routeTableId: ref(names.privateRouteTable(zone)),
      destination: '0.0.0.0/0',
      natGatewayId: ref(names.nat(zone)),
    })
    for (const s of subnets.filter((x) => x.type === 'private' && x.zone === zone)) {
      b.add(routeTableAssociationKind, names.association(s.name), {
        routeTableId: ref(names.privateRouteTable(zone)),
        subnetId: ref(names.subnet(s.name)),
      })
    }
  }
}
