/**
 * The termination hook in the direct target, against the emulator: every group with a kubelet gets
 * it (bastions not), the plan shows it, a second update is a no-op, a put whose record tag was lost
 * is put again, and delete takes it with its group.
 */
import {
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
} from '@aws-sdk/client-auto-scaling'
import {afterAll, describe, expect, it} from 'vitest'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {type AwsCall, type AwsClients, isMutating} from '../../src/cloud/aws/clients.js'
import {HOOK_RECORD_TAG} from '../../src/cloud/aws/resources/lifecycle-hook.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {emulatorClients, expectNoOpUpdate, plainUserData} from '../fixtures/cloud/library.js'

const region = 'eu-west-1'

const clients = (calls: AwsCall[] = []): AwsClients => emulatorClients(region, calls)

describe('termination hooks, direct target', {timeout: 300_000}, () => {
  const cluster = haPrivateCluster('hooks.termination.example.com', region)
  const hookName = awsNames.lifecycleHook(cluster.name)
  const hooked = cluster.instanceGroups.filter((g) => g.spec.role !== 'bastion')
  const bastions = cluster.instanceGroups.filter((g) => g.spec.role === 'bastion')
  afterAll(async () => {
    await deleteCluster(cluster.name, {aws: clients(), yes: true, spec: cluster})
  })

  it('puts a terminating hook on each group with a kubelet, shown in the plan; the next update is a no-op', async () => {
    let text = ''
    await updateCluster(cluster, {
      aws: clients(),
      yes: true,
      userData: plainUserData,
      onPlan: (t) => (text = t),
    })
    for (const g of hooked) expect(text).toContain(`+ LifecycleHook hook-${g.name}`)
    expect(bastions.length).toBeGreaterThan(0)
    for (const g of bastions) expect(text).not.toContain(`hook-${g.name}`)

    const asg = await clients().autoScaling()
    for (const g of cluster.instanceGroups) {
      const group = awsNames.autoScalingGroup(g.name, cluster.name)
      const hooks = (await asg.send(new DescribeLifecycleHooksCommand({AutoScalingGroupName: group})))
        .LifecycleHooks
      if (g.spec.role === 'bastion') {
        expect(hooks).toEqual([])
        continue
      }
      expect(hooks).toMatchObject([
        {
          LifecycleHookName: hookName,
          AutoScalingGroupName: group,
          LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          HeartbeatTimeout: 300,
          DefaultResult: 'CONTINUE',
        },
      ])
      // The record kforge reads back instead of one DescribeLifecycleHooks per group: on the group,
      // never copied onto its instances.
      const tags = (await asg.send(new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [group]})))
        .AutoScalingGroups?.[0]?.Tags
      expect(tags?.find((t) => t.Key === HOOK_RECORD_TAG)).toMatchObject({
        Value: `${hookName} autoscaling:EC2_INSTANCE_TERMINATING 300 CONTINUE`,
        PropagateAtLaunch: false,
      })
    }

    const calls = await expectNoOpUpdate(cluster, region)
    expect(calls.some((c) => c.action === 'DescribeLifecycleHooks')).toBe(false)
  })

  it('a hook whose record was never written (a killed run) is put again, then left alone', async () => {
    const group = awsNames.autoScalingGroup('nodes', cluster.name)
    const asg = await clients().autoScaling()
    await asg.send(
      new DeleteTagsCommand({
        Tags: [{ResourceId: group, ResourceType: 'auto-scaling-group', Key: HOOK_RECORD_TAG}],
      }),
    )
    let text = ''
    const calls: AwsCall[] = []
    await updateCluster(cluster, {
      aws: clients(calls),
      yes: true,
      userData: plainUserData,
      onPlan: (t) => (text = t),
    })
    expect(text).toContain('+ LifecycleHook hook-nodes')
    expect(calls.filter((c) => isMutating(c.action)).map((c) => c.action)).toEqual([
      'PutLifecycleHook',
      'CreateOrUpdateTags',
    ])
    const again = await updateCluster(cluster, {aws: clients(), yes: true, userData: plainUserData})
    expect(again.changes).toBe(false)
  })

  it('delete takes the hooks with their groups', async () => {
    const deleted = await deleteCluster(cluster.name, {aws: clients(), yes: true, spec: cluster})
    // Hooks are not deleted one by one: DeleteAutoScalingGroup (ForceDelete) removes them.
    expect(deleted.resources.some((r) => r.kind === 'LifecycleHook')).toBe(false)
    const asg = await clients().autoScaling()
    const left = await asg.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: hooked.map((g) => awsNames.autoScalingGroup(g.name, cluster.name)),
      }),
    )
    expect(left.AutoScalingGroups).toEqual([])
    const after = await deleteCluster(cluster.name, {aws: clients(), spec: cluster})
    expect(after.resources).toEqual([])
  })
})
