/**
 * The emulator with Auto Scaling's lifecycle actions, which moto 5.2 does not have: a loopback
 * proxy in front of moto that answers CompleteLifecycleAction and RecordLifecycleActionHeartbeat
 * the way Auto Scaling does and forwards every other call to moto untouched.
 *
 * `beginTermination(group, instance)` is the group deciding to terminate one of its instances: if
 * the group (in moto) has a terminating hook and the instance is a member, an action waits
 * (`Terminating:Wait`). Completing it (the right group, hook and instance) records the completion
 * and lets the group go on: the instance is terminated in moto. A completion or heartbeat with no
 * such action waiting is refused with Auto Scaling's ValidationError, "No active Lifecycle Action
 * found with instance ID ...".
 */

import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {
  AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling'
import {errorReply, parseCall} from '../../src/sandbox/aws-dialect.js'
import {forward} from '../../src/sandbox/fault-proxy.js'

export interface ActionCall {
  action: 'CompleteLifecycleAction' | 'RecordLifecycleActionHeartbeat'
  group: string
  hook: string
  instanceId: string
  result?: string
  /** Whether an action was waiting (false: refused with ValidationError). */
  accepted: boolean
}

export interface LifecycleStandIn {
  endpoint: string
  /**
   * The group starts terminating the instance; true when a terminating hook makes it wait.
   * `decrement`: a scale-in (the group shrinks), or else a replacement (the group launches another).
   */
  beginTermination(group: string, instanceId: string, options?: {decrement?: boolean}): Promise<boolean>
  readonly calls: ActionCall[]
  close(): Promise<void>
}

const NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/'
const ok = (action: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NS}"><${action}Result/>` +
  `<ResponseMetadata><RequestId>lifecycle-stand-in</RequestId></ResponseMetadata></${action}Response>`

export async function startLifecycleStandIn(moto: string, region: string): Promise<LifecycleStandIn> {
  const target = new URL(moto)
  const asg = new AutoScalingClient({
    region,
    endpoint: moto,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
  })
  /** `group|instance` → the hook whose action waits, and whether the group shrinks. */
  const waiting = new Map<string, {hook: string; decrement: boolean}>()
  const calls: ActionCall[] = []

  async function act(call: ReturnType<typeof parseCall>): Promise<{status: number; body: string}> {
    const action = call.action as ActionCall['action']
    const group = call.params.get('AutoScalingGroupName') ?? ''
    const hook = call.params.get('LifecycleHookName') ?? ''
    const instanceId = call.params.get('InstanceId') ?? ''
    const result = call.params.get('LifecycleActionResult')
    const key = `${group}|${instanceId}`
    const pending = waiting.get(key)
    const accepted = pending?.hook === hook
    calls.push({action, group, hook, instanceId, ...(result ? {result} : {}), accepted})
    if (!accepted) {
      const e = errorReply(
        'autoscaling',
        400,
        'ValidationError',
        `No active Lifecycle Action found with instance ID ${instanceId}`,
      )
      return {status: e.status, body: e.body}
    }
    if (action === 'CompleteLifecycleAction') {
      if (result !== 'CONTINUE' && result !== 'ABANDON') {
        const e = errorReply(
          'autoscaling',
          400,
          'ValidationError',
          'LifecycleActionResult must be CONTINUE or ABANDON',
        )
        return {status: e.status, body: e.body}
      }
      waiting.delete(key)
      // The group goes on: the instance leaves Terminating:Wait and is terminated.
      await asg.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: instanceId,
          ShouldDecrementDesiredCapacity: pending.decrement,
        }),
      )
    }
    return {status: 200, body: ok(action)}
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const call = parseCall(req, body)
      if (call.action !== 'CompleteLifecycleAction' && call.action !== 'RecordLifecycleActionHeartbeat') {
        forward(target, req, body).then(
          (up) => res.writeHead(up.status, up.headers).end(up.body),
          () => res.destroy(),
        )
        return
      }
      act(call).then(
        (r) => res.writeHead(r.status, {'content-type': 'text/xml'}).end(r.body),
        (err: Error) => res.writeHead(500, {'content-type': 'text/plain'}).end(err.message),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async beginTermination(group, instanceId, options = {}) {
      const hooks =
        (await asg.send(new DescribeLifecycleHooksCommand({AutoScalingGroupName: group}))).LifecycleHooks ??
        []
      const hook = hooks.find((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING')
      const member = (
        await asg.send(new DescribeAutoScalingInstancesCommand({InstanceIds: [instanceId]}))
      ).AutoScalingInstances?.some((i) => i.AutoScalingGroupName === group)
      if (!hook || !member) return false
      waiting.set(`${group}|${instanceId}`, {
        hook: hook.LifecycleHookName!,
        decrement: options.decrement ?? false,
      })
      return true
    },
    calls,
    close: () => {
      asg.destroy()
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
