/** The user's VPC and subnets carry `kubernetes.io/cluster/<name>=shared` while the cluster lives. */
import type {FindContext} from '../model/types.js'
import {clusterTagKey} from '../tags.js'

/** Removes the cluster's shared tag from the VPC and subnets that have it; returns their ids. */
export async function untagShared(ctx: FindContext): Promise<string[]> {
  const {DescribeVpcsCommand, DescribeSubnetsCommand, DeleteTagsCommand} = await import('@aws-sdk/client-ec2')
  const client = await ctx.aws.ec2()
  const key = clusterTagKey(ctx.cluster)
  const Filters = [{Name: `tag:${key}`, Values: ['shared']}]
  const [vpcs, subnets] = await Promise.all([
    client.send(new DescribeVpcsCommand({Filters})),
    client.send(new DescribeSubnetsCommand({Filters})),
  ])
  const ids = [...(vpcs.Vpcs ?? []).map((v) => v.VpcId!), ...(subnets.Subnets ?? []).map((s) => s.SubnetId!)]
  if (ids.length > 0) await client.send(new DeleteTagsCommand({Resources: ids, Tags: [{Key: key}]}))
  return ids
}
