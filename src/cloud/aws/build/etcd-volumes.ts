/**
 * Cluster phase: etcd's volumes. One encrypted gp3 EBS volume per control-plane member, in the
 * member's zone, sized by `spec.etcd.volumeSize`. A member is a control-plane instance group:
 * kforge runs exactly one instance per control-plane group (validate-groups.ts), so the group's
 * name names the member, and every instance that group ever launches mounts that member's volume.
 * The boot finds it by the cluster's ownership tag and the member tag (src/lifecycle/etcd-volume.ts).
 */
import type {InstanceGroup} from '../../../api/v1alpha1/types.js'
import {volumeKind} from '../resources/volume.js'
import {ETCD_MEMBER_TAG, INSTANCE_GROUP_TAG} from '../tags.js'
import type {ModelBuilder} from './context.js'
import {names} from './names.js'

/** The member a control-plane group's instance is: the group's name. */
export function etcdMemberOf(group: InstanceGroup): string {
  return group.name
}

/** The logical name of the etcd volume a group's instance mounts, or undefined (not control plane). */
export function etcdVolumeOf(group: InstanceGroup): string | undefined {
  return group.spec.role === 'control-plane' ? names.etcdVolume(etcdMemberOf(group)) : undefined
}

export function buildEtcdVolumes(b: ModelBuilder): void {
  const {spec} = b.cluster
  for (const group of b.cluster.instanceGroups) {
    const logical = etcdVolumeOf(group)
    if (logical === undefined) continue
    const member = etcdMemberOf(group)
    // Validation holds a control-plane group to one subnet, so to one zone.
    const subnet = spec.networking.subnets.find((s) => s.name === group.spec.subnets[0])
    if (!subnet)
      throw new Error(`instance group ${group.name}: subnet ${group.spec.subnets[0]} not in the spec`)
    b.add(volumeKind, logical, {
      zone: subnet.zone,
      size: spec.etcd.volumeSize,
      volumeType: 'gp3',
      encrypted: true,
      tags: b.tags(logical, `etcd-${member}`, {
        ...group.spec.cloudLabels,
        [ETCD_MEMBER_TAG]: member,
        [INSTANCE_GROUP_TAG]: group.name,
      }),
    })
  }
}
