/** An internet gateway attached to the VPC (a CloudFormation VPCGatewayAttachment). */
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {ec2, ec2Module} from './ec2.js'
import {listOwnedGateways} from './internet-gateway.js'

export interface GatewayAttachmentProps {
  vpcId: Val
  internetGatewayId: Val
}

export interface GatewayAttachmentActual extends Actual {
  vpcId: string
  internetGatewayId: string
}

export const gatewayAttachmentKind: ResourceKind<GatewayAttachmentProps, GatewayAttachmentActual> = {
  kind: 'GatewayAttachment',
  phase: 'network',
  // Public addresses in the VPC (NAT gateways, instances, load balancers) block the detach.
  deleteAfter: ['NatGateway', 'Eip', 'LoadBalancer', 'AutoScalingGroup', 'Instance'],
  ownership: 'parent',
  immutable: ['vpcId', 'internetGatewayId'],
  onImmutableChange: 'replace',
  prune: false,

  async list(ctx) {
    return (await listOwnedGateways(ctx)).flatMap((g) =>
      (g.Attachments ?? []).map((a) => {
        const id = `${g.InternetGatewayId}|${a.VpcId}`
        return {id, attrs: {id}, tags: {}, vpcId: a.VpcId!, internetGatewayId: g.InternetGatewayId!}
      }),
    )
  },

  match: (_d, p, candidates) =>
    candidates.find((c) => c.vpcId === p.vpcId && c.internetGatewayId === p.internetGatewayId),
  diff: () => [],

  async create(ctx, _d, p) {
    const {AttachInternetGatewayCommand} = await ec2Module()
    await (await ec2(ctx)).send(
      new AttachInternetGatewayCommand({InternetGatewayId: p.internetGatewayId, VpcId: p.vpcId}),
    )
    const id = `${p.internetGatewayId}|${p.vpcId}`
    return {id, attrs: {id}, tags: {}, vpcId: p.vpcId, internetGatewayId: p.internetGatewayId}
  },
  update: async (_ctx, _d, _p, a) => a,

  // Deleting the gateway detaches it.
  neededOnClusterDelete: () => false,

  async delete(ctx, a) {
    const {DetachInternetGatewayCommand} = await ec2Module()
    await (await ec2(ctx)).send(
      new DetachInternetGatewayCommand({InternetGatewayId: a.internetGatewayId, VpcId: a.vpcId}),
    )
  },

  describe: (p) => `${p.internetGatewayId} to ${p.vpcId}`,
}
