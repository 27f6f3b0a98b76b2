/**
 * `create cluster --vpc-id ... --subnet-ids ...`: read the user's VPC and subnets from EC2 so the
 * spec records their real CIDRs and zones (kforge never guesses what it did not create).
 */

import type {ExistingNetwork} from '../api/v1alpha1/flags.js'
import type {SubnetType, TopologyType} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import {errorMessage, KforgeError} from '../util/errors.js'

export interface ExistingNetworkRequest {
  vpcId: string
  /** Public subnets (public topology) or private subnets (private topology). */
  subnetIds: readonly string[]
  /** Utility subnets, private topology only. */
  utilitySubnetIds?: readonly string[]
  topology: TopologyType
}

export async function describeExistingNetwork(
  aws: AwsClients,
  req: ExistingNetworkRequest,
): Promise<ExistingNetwork> {
  const {DescribeSubnetsCommand, DescribeVpcsCommand} = await import('@aws-sdk/client-ec2')
  const ec2 = await aws.ec2()
  const region = aws.region
  const vpcs = await ec2.send(new DescribeVpcsCommand({VpcIds: [req.vpcId]})).catch((err: unknown) => {
    throw new KforgeError(`--vpc-id ${req.vpcId}: not found in ${region} (${errorMessage(err)})`, {
      cause: err,
    })
  })
  const vpc = vpcs.Vpcs?.[0]
  if (!vpc?.CidrBlock) throw new KforgeError(`--vpc-id ${req.vpcId}: not found in ${region}`)

  const wanted: Array<{id: string; type: SubnetType; flag: string}> = [
    ...req.subnetIds.map((id) => ({
      id,
      type: (req.topology === 'private' ? 'private' : 'public') as SubnetType,
      flag: '--subnet-ids',
    })),
    ...(req.utilitySubnetIds ?? []).map((id) => ({
      id,
      type: 'utility' as SubnetType,
      flag: '--utility-subnet-ids',
    })),
  ]
  if (wanted.length === 0) return {vpcId: req.vpcId, networkCIDR: vpc.CidrBlock, subnets: []}
  const found = await ec2
    .send(new DescribeSubnetsCommand({SubnetIds: wanted.map((w) => w.id)}))
    .catch((err: unknown) => {
      throw new KforgeError(`--subnet-ids: ${errorMessage(err)}`, {cause: err})
    })
  const subnets = wanted.map((w) => {
    const s = found.Subnets?.find((x) => x.SubnetId === w.id)
    if (!s?.AvailabilityZone || !s.CidrBlock)
      throw new KforgeError(`${w.flag} ${w.id}: not found in ${region}`)
    if (s.VpcId !== req.vpcId)
      throw new KforgeError(`${w.flag} ${w.id}: belongs to ${s.VpcId}, not --vpc-id ${req.vpcId}`)
    return {id: w.id, zone: s.AvailabilityZone, cidr: s.CidrBlock, type: w.type}
  })
  return {vpcId: req.vpcId, networkCIDR: vpc.CidrBlock, subnets}
}
