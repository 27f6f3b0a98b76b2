/**
 * Network interfaces left in the cluster's subnets (the VPC CNI's secondary interfaces outlive
 * their instances) or tagged as the cluster's. Interfaces AWS manages for a load balancer or NAT
 * gateway (requester-managed), or that an instance deletes on termination, go with their owner
 * and are not listed.
 */
import type {NetworkInterface} from '@aws-sdk/client-ec2'
import type {Actual, Discoverable} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {ec2, ec2Module, ownedFilter} from './ec2.js'

export const networkInterfaceKind: Discoverable<Actual> = {
  kind: 'NetworkInterface',
  phase: 'network',
  deleteAfter: ['AutoScalingGroup', 'Instance', 'LoadBalancer', 'NatGateway'],
  ownership: 'parent',

  async list(ctx) {
    const {DescribeSubnetsCommand, paginateDescribeNetworkInterfaces} = await ec2Module()
    const client = await ec2(ctx)
    const subnets = (
      (await client.send(new DescribeSubnetsCommand({Filters: ownedFilter(ctx.cluster)}))).Subnets ?? []
    ).map((s) => s.SubnetId!)
    const found = new Map<string, NetworkInterface>()
    const read = async (Filters: {Name: string; Values: string[]}[]) => {
      for await (const page of paginateDescribeNetworkInterfaces({client}, {Filters, MaxResults: 1000})) {
        for (const n of page.NetworkInterfaces ?? []) found.set(n.NetworkInterfaceId!, n)
      }
    }
    await read(ownedFilter(ctx.cluster) as {Name: string; Values: string[]}[])
    if (subnets.length > 0) await read([{Name: 'subnet-id', Values: subnets}])
    return (
      [...found.values()]
        // Requester-managed ones go with their load balancer or NAT gateway; an instance's own
        // (delete-on-termination) with the instance.
        .filter((n) => !n.RequesterManaged && !(n.Attachment?.InstanceId && n.Attachment.DeleteOnTermination))
        .map((n) => ({
          id: n.NetworkInterfaceId!,
          attrs: {id: n.NetworkInterfaceId!},
          tags: fromTagList(n.TagSet),
        }))
    )
  },

  async delete(ctx, a) {
    const {DeleteNetworkInterfaceCommand} = await ec2Module()
    await (await ec2(ctx)).send(new DeleteNetworkInterfaceCommand({NetworkInterfaceId: a.id}))
  },
}
