/**
 * Whether an EC2 instance still exists, for the init claim's stale-holder check: terminated or
 * unknown to EC2 is gone; any other answer, or a failure to ask, counts as alive, so a claim is
 * never taken over on a guess.
 */
import type {EC2Client} from '@aws-sdk/client-ec2'

export async function instanceAlive(ec2: EC2Client, instanceId: string): Promise<boolean> {
  const {DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
  try {
    const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instanceId]}))
    const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name
    return state !== undefined && state !== 'terminated' && state !== 'shutting-down'
  } catch (err) {
    return (err as {name?: string}).name !== 'InvalidInstanceID.NotFound'
  }
}
