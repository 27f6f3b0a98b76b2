/**
 * The cloud half of replacing instances, done by kforge itself (the emulator has no instance
 * refresh): detach for surge (tagged first, so a later run finds the instance again), terminate
 * in the group without lowering its desired capacity (the group launches the replacement), or
 * terminate a detached instance outright; then wait for the group to be whole again.
 */
import type {AwsClients} from '../cloud/aws/clients.js'
import {poll} from '../cloud/aws/model/wait.js'
import {DETACHED_TAG} from '../cloud/aws/tags.js'

export async function detachForSurge(
  aws: AwsClients,
  asg: string,
  instanceIds: readonly string[],
): Promise<void> {
  if (instanceIds.length === 0) return
  const {CreateTagsCommand} = await import('@aws-sdk/client-ec2')
  const {DetachInstancesCommand} = await import('@aws-sdk/client-auto-scaling')
  await (await aws.ec2()).send(
    new CreateTagsCommand({Resources: [...instanceIds], Tags: [{Key: DETACHED_TAG, Value: asg}]}),
  )
  try {
    await (await aws.autoScaling()).send(
      new DetachInstancesCommand({
        AutoScalingGroupName: asg,
        InstanceIds: [...instanceIds],
        ShouldDecrementDesiredCapacity: false,
      }),
    )
  } catch (err) {
    // A retried call whose first attempt detached them is refused ("not part of the group"): done.
    const members = await groupStates(aws, instanceIds)
    if ([...members.values()].some((s) => !s.startsWith('Detach'))) throw err
  }
}

/** Lifecycle state in their group of those of `ids` that are still members. */
async function groupStates(aws: AwsClients, ids: readonly string[]): Promise<Map<string, string>> {
  const {DescribeAutoScalingInstancesCommand} = await import('@aws-sdk/client-auto-scaling')
  const out = await (await aws.autoScaling()).send(
    new DescribeAutoScalingInstancesCommand({InstanceIds: [...ids]}),
  )
  return new Map((out.AutoScalingInstances ?? []).map((i) => [i.InstanceId!, i.LifecycleState ?? '']))
}

/** True when the instance is on its way out: terminating in its group, or terminated. */
async function terminating(aws: AwsClients, instanceId: string): Promise<boolean> {
  const state = (await groupStates(aws, [instanceId])).get(instanceId)
  if (state?.startsWith('Terminat')) return true
  const {DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
  const out = await (await aws.ec2()).send(new DescribeInstancesCommand({InstanceIds: [instanceId]}))
  const name = out.Reservations?.[0]?.Instances?.[0]?.State?.Name
  return name === 'shutting-down' || name === 'terminated'
}

/** Terminate a member (the group replaces it) or a detached instance (nothing replaces it). */
export async function terminate(aws: AwsClients, instanceId: string, member: boolean): Promise<void> {
  if (member) {
    const {TerminateInstanceInAutoScalingGroupCommand} = await import('@aws-sdk/client-auto-scaling')
    try {
      await (await aws.autoScaling()).send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: instanceId,
          ShouldDecrementDesiredCapacity: false,
        }),
      )
    } catch (err) {
      // A retried call whose first attempt was acted on finds the instance already going: done.
      if (!(await terminating(aws, instanceId))) throw err
    }
  } else {
    const {TerminateInstancesCommand} = await import('@aws-sdk/client-ec2')
    await (await aws.ec2()).send(new TerminateInstancesCommand({InstanceIds: [instanceId]}))
  }
}

export interface Replacement {
  /** InService members that are not among the replaced instances. */
  inService: string[]
}

/** Wait until the group has its desired number of InService members, none of them in `gone`. */
export async function waitForGroup(
  aws: AwsClients,
  asg: string,
  gone: ReadonlySet<string>,
  options: {timeoutMs: number; intervalMs?: number},
): Promise<Replacement> {
  const {DescribeAutoScalingGroupsCommand} = await import('@aws-sdk/client-auto-scaling')
  const client = await aws.autoScaling()
  return poll(
    async () => {
      const out = await client.send(new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [asg]}))
      const g = out.AutoScalingGroups?.[0]
      if (!g) return undefined
      const inService = (g.Instances ?? [])
        .filter((i) => i.LifecycleState === 'InService' && !gone.has(i.InstanceId!))
        .map((i) => i.InstanceId!)
      return inService.length >= (g.DesiredCapacity ?? 0) ? {inService} : undefined
    },
    {
      what: `auto-scaling group ${asg} to have its desired instances InService`,
      timeoutMs: options.timeoutMs,
      ...(options.intervalMs !== undefined ? {intervalMs: options.intervalMs} : {}),
    },
  )
}
