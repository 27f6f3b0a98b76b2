/** EBS volumes tagged as the cluster's (persistent volumes the CSI driver made, strays). */
import type {Actual, Discoverable} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {ec2, ec2Module, ownedFilter} from './ec2.js'

export const volumeKind: Discoverable<Actual> = {
  kind: 'Volume',
  phase: 'cluster',
  // Attached volumes come free (or go, if deleted on termination) with their instances.
  deleteAfter: ['AutoScalingGroup', 'Instance'],
  ownership: 'tags',

  async list(ctx) {
    const {paginateDescribeVolumes} = await ec2Module()
    const client = await ec2(ctx)
    const out: Actual[] = []
    for await (const page of paginateDescribeVolumes(
      {client},
      {Filters: ownedFilter(ctx.cluster), MaxResults: 500},
    )) {
      for (const v of page.Volumes ?? [])
        out.push({id: v.VolumeId!, attrs: {id: v.VolumeId!}, tags: fromTagList(v.Tags)})
    }
    return out
  },

  async delete(ctx, a) {
    const {DeleteVolumeCommand} = await ec2Module()
    await (await ec2(ctx)).send(new DeleteVolumeCommand({VolumeId: a.id}))
  },
}
