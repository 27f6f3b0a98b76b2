/** EBS volumes tagged as the cluster's (persistent volumes the CSI driver made, strays). */
import type {Actual, Discoverable} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {ec2, ec2Module, listOwned} from './ec2.js'

export const volumeKind: Discoverable<Actual> = {
  kind: 'Volume',
  phase: 'cluster',
  // Attached volumes come free (or go, if deleted on termination) with their instances.
  deleteAfter: ['AutoScalingGroup', 'Instance'],
  ownership: 'tags',

  async list(ctx) {
    const {paginateDescribeVolumes} = await ec2Module()
    const found = await listOwned(ctx, paginateDescribeVolumes, (page) => page.Volumes, 500)
    return found.map((v) => ({id: v.VolumeId!, attrs: {id: v.VolumeId!}, tags: fromTagList(v.Tags)}))
  },

  async delete(ctx, a) {
    const {DeleteVolumeCommand} = await ec2Module()
    await (await ec2(ctx)).send(new DeleteVolumeCommand({VolumeId: a.id}))
  },
}
