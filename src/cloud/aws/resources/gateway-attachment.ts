/** An internet gateway attached to the VPC (a CloudFormation VPCGatewayAttachment). */
import {KforgeError} from '../../../util/errors.js'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
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

  async create(ctx, d, p) {
    const {AttachInternetGatewayCommand, DescribeInternetGatewaysCommand} = await ec2Module()
    const client = await ec2(ctx)
    const id = `${p.internetGatewayId}|${p.vpcId}`
    const made = {id, attrs: {id}, tags: {}, vpcId: p.vpcId, internetGatewayId: p.internetGatewayId}
    return createOrAdopt(ctx, {
      what: `attachment ${d.name} (${p.internetGatewayId} to ${p.vpcId})`,
      create: async () => {
        await client.send(
          new AttachInternetGatewayCommand({InternetGatewayId: p.internetGatewayId, VpcId: p.vpcId}),
        )
        return made
      },
      // Resource.AlreadyAssociated: our gateway is attached; to our VPC is what we wanted.
      find: async () => {
        const g = (
          await client.send(new DescribeInternetGatewaysCommand({InternetGatewayIds: [p.internetGatewayId]}))
        ).InternetGateways?.[0]
        const vpcs = (g?.Attachments ?? []).map((a) => a.VpcId)
        if (vpcs.length === 0) return undefined
        if (!vpcs.includes(p.vpcId)) {
          throw new KforgeError(
            `internet gateway ${p.internetGatewayId} is attached to ${vpcs.join(', ')}, not ${p.vpcId}`,
          )
        }
        return {actual: made}
      },
    })
  },
  update: async (_ctx, _d, _p, a) => a,

  // Deleting the gateway detaches it.
  neededOnClusterDelete: () => false,

  async delete(ctx, a) {
    const {DetachInternetGatewayCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(
      () =>
        client.send(
          new DetachInternetGatewayCommand({InternetGatewayId: a.internetGatewayId, VpcId: a.vpcId}),
        ),
      [/^Gateway\.NotAttached$/],
    )
  },

  describe: (p) => `${p.internetGatewayId} to ${p.vpcId}`,
}
