/**
 * Is the instance STS named a member of this cluster, and what is its node name? Only EC2 and
 * Auto Scaling answer: the instance must be running, carry the cluster tag, and be listed by an
 * auto-scaling group of this cluster (found through the `aws:autoscaling:groupName` tag, which no
 * one can set by hand: the `aws:` prefix is AWS's own) whose role matches the role that signed.
 * The node name is the instance's private DNS name, what the kubelet registers as with the
 * external AWS cloud provider; the node never chooses it.
 */
import type {Reservation} from '@aws-sdk/client-ec2'
import {awsNames} from '../cloud/aws/build/names.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import {ProofRefused} from './proof.js'
import type {CallerIdentity} from './sts.js'

export type JoinRole = 'node' | 'control-plane'

export interface ClusterMember {
  instanceId: string
  nodeName: string
  group: string
  role: JoinRole
}

const ROLE_TAGS: Readonly<Record<JoinRole, string>> = {
  node: 'k8s.io/role/node',
  'control-plane': 'k8s.io/role/control-plane',
}

/** Which join role an instance-role name stands for in this cluster, if any. */
export function joinRoleOf(cluster: string, roleName: string): JoinRole | undefined {
  if (roleName === awsNames.instanceRole('nodes', cluster)) return 'node'
  if (roleName === awsNames.instanceRole('control-plane', cluster)) return 'control-plane'
  return undefined
}

function tag(tags: readonly {Key?: string; Value?: string}[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value
}

export async function clusterMember(
  aws: AwsClients,
  cluster: string,
  caller: CallerIdentity,
): Promise<ClusterMember> {
  const role = joinRoleOf(cluster, caller.roleName)
  if (!role) throw new ProofRefused(`role ${caller.roleName} is not an instance role of cluster ${cluster}`)
  const {DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
  const ec2 = await aws.ec2()
  let reservations: Reservation[] | undefined
  try {
    reservations = (await ec2.send(new DescribeInstancesCommand({InstanceIds: [caller.instanceId]})))
      .Reservations
  } catch (err) {
    if ((err as {name?: string}).name === 'InvalidInstanceID.NotFound') {
      throw new ProofRefused(`instance ${caller.instanceId} does not exist`)
    }
    throw err
  }
  const reservation = reservations?.find((r) => r.Instances?.some((i) => i.InstanceId === caller.instanceId))
  const instance = reservation?.Instances?.find((i) => i.InstanceId === caller.instanceId)
  if (!reservation || !instance) throw new ProofRefused(`instance ${caller.instanceId} does not exist`)
  if (reservation.OwnerId && reservation.OwnerId !== caller.account) {
    throw new ProofRefused(`instance ${caller.instanceId} belongs to another account`)
  }
  const state = instance.State?.Name
  if (state !== 'running')
    throw new ProofRefused(`instance ${caller.instanceId} is ${state ?? 'in no state'}, not running`)
  if (tag(instance.Tags, 'KubernetesCluster') !== cluster) {
    throw new ProofRefused(`instance ${caller.instanceId} is not tagged as a member of cluster ${cluster}`)
  }
  const group = tag(instance.Tags, 'aws:autoscaling:groupName')
  if (!group)
    throw new ProofRefused(`instance ${caller.instanceId} was not launched by an auto-scaling group`)
  const {DescribeAutoScalingGroupsCommand} = await import('@aws-sdk/client-auto-scaling')
  const asg = (
    await (
      await aws.autoScaling()
    ).send(new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [group]}))
  ).AutoScalingGroups?.[0]
  if (!asg || tag(asg.Tags, 'KubernetesCluster') !== cluster) {
    throw new ProofRefused(`auto-scaling group ${group} is not one of cluster ${cluster}'s`)
  }
  if (tag(asg.Tags, ROLE_TAGS[role]) === undefined) {
    throw new ProofRefused(
      `auto-scaling group ${group} does not hold ${role} instances, but ${caller.roleName} signed`,
    )
  }
  if (!asg.Instances?.some((i) => i.InstanceId === caller.instanceId)) {
    throw new ProofRefused(
      `instance ${caller.instanceId} is not (or no longer) in auto-scaling group ${group}`,
    )
  }
  const nodeName = instance.PrivateDnsName
  if (!nodeName)
    throw new ProofRefused(`instance ${caller.instanceId} has no private DNS name to register as`)
  return {instanceId: caller.instanceId, nodeName, group, role}
}
