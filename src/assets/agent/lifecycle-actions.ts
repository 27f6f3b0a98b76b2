/**
 * The termination hook's lifecycle action through the Auto Scaling API, with the instance role's
 * credentials (its policy allows exactly these two calls on the role's own groups:
 * src/cloud/aws/build/iam-policies.ts).
 */
import type {AutoScalingClient} from '@aws-sdk/client-auto-scaling'
import type {LifecycleActions} from './termination.js'

/** What Auto Scaling answers when the group holds no action for the instance (ValidationError). */
const NO_ACTION = /No active Lifecycle Action/i

async function orNone<T>(call: () => Promise<unknown>, done: T): Promise<T | 'none'> {
  try {
    await call()
    return done
  } catch (err) {
    if (err instanceof Error && NO_ACTION.test(err.message)) return 'none'
    throw err
  }
}

export function autoScalingLifecycleActions(
  client: AutoScalingClient,
  target: {group: string; hook: string},
): LifecycleActions {
  const sdk = () => import('@aws-sdk/client-auto-scaling')
  const ids = (instanceId: string) => ({
    AutoScalingGroupName: target.group,
    LifecycleHookName: target.hook,
    InstanceId: instanceId,
  })
  return {
    async complete(instanceId) {
      const {CompleteLifecycleActionCommand} = await sdk()
      return orNone(
        () =>
          client.send(
            new CompleteLifecycleActionCommand({...ids(instanceId), LifecycleActionResult: 'CONTINUE'}),
          ),
        'completed' as const,
      )
    },
    async heartbeat(instanceId) {
      const {RecordLifecycleActionHeartbeatCommand} = await sdk()
      return orNone(
        () => client.send(new RecordLifecycleActionHeartbeatCommand(ids(instanceId))),
        'recorded' as const,
      )
    },
  }
}
