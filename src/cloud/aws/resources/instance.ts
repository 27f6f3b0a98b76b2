/** Instances tagged as the cluster's (those groups launched, or strays): terminated on delete. */

import {pollOption} from '../../../util/timings.js'
import type {Actual, Discoverable} from '../model/types.js'
import {poll} from '../model/wait.js'
import {DETACHED_TAG, fromTagList} from '../tags.js'
import {ec2, ec2Module, listOwned} from './ec2.js'

const ALIVE = ['pending', 'running', 'stopping', 'stopped', 'shutting-down']

export const instanceKind: Discoverable<Actual> = {
  kind: 'Instance',
  phase: 'cluster',
  // A group's own instances go when the group is force-deleted.
  deleteAfter: ['AutoScalingGroup'],
  ownership: 'tags',

  async list(ctx) {
    const {paginateDescribeInstances} = await ec2Module()
    const found = await listOwned(
      ctx,
      paginateDescribeInstances,
      (page) => (page.Reservations ?? []).flatMap((r) => r.Instances ?? []),
      1000,
      [{Name: 'instance-state-name', Values: ALIVE}],
    )
    return found.map((i) => ({id: i.InstanceId!, attrs: {id: i.InstanceId!}, tags: fromTagList(i.Tags)}))
  },

  // A group's instances go with the group (force-deleted); strays, and instances a roll detached
  // from their group (which keep the group's tag but are no longer its members), are terminated here.
  neededOnClusterDelete: (a) =>
    a.tags['aws:autoscaling:groupName'] === undefined || a.tags[DETACHED_TAG] !== undefined,

  async delete(ctx, a) {
    const {TerminateInstancesCommand, DescribeInstancesCommand} = await ec2Module()
    const client = await ec2(ctx)
    await client.send(new TerminateInstancesCommand({InstanceIds: [a.id]}))
    // Its network interface holds the subnet and security groups deleted next.
    await poll(
      async () => {
        const out = await client.send(new DescribeInstancesCommand({InstanceIds: [a.id]}))
        const state = out.Reservations?.[0]?.Instances?.[0]?.State?.Name
        return state === undefined || state === 'terminated' ? true : undefined
      },
      {what: `instance ${a.id} to terminate`, ...pollOption(ctx.aws.timings)},
    )
  },
}
