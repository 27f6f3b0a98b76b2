/**
 * Cluster phase: a launch template and an auto-scaling group per instance group; instances get
 * their tags from the group (propagated at launch): cluster, role, group, Name, and the
 * cluster-autoscaler node-template tags for the group's labels and taints.
 */
import type {InstanceGroup} from '../../../api/v1alpha1/types.js'
import {ref, type Tags, type Val} from '../model/types.js'
import {autoScalingGroupKind} from '../resources/autoscaling-group.js'
import {launchTemplateKind} from '../resources/launch-template.js'
import {lifecycleHookKind} from '../resources/lifecycle-hook.js'
import {ETCD_MEMBER_TAG, INSTANCE_GROUP_TAG, ownedTags} from '../tags.js'
import type {ModelBuilder} from './context.js'
import {DRAIN_HOOK, drainHookName, hasDrainHook} from './drain-hook.js'
import {etcdMemberOf, etcdVolumeOf} from './etcd-volumes.js'
import {autoscalerTags, fleetProps} from './fleet.js'
import {awsNames, names, ROLE_IAM, ROLE_SG} from './names.js'
import {userDataOf} from './prerequisites.js'

/** kops's role tags: the control plane also keeps the legacy `master` role tag tools still read. */
function roleTags(group: InstanceGroup): Tags {
  switch (group.spec.role) {
    case 'control-plane':
      return {'k8s.io/role/control-plane': '1', 'k8s.io/role/master': '1'}
    case 'node':
      return {'k8s.io/role/node': '1'}
    case 'bastion':
      return {'k8s.io/role/bastion': '1'}
    default: {
      const never: never = group.spec.role
      throw new Error(`unknown role ${String(never)}`)
    }
  }
}

export function instanceTags(b: ModelBuilder, group: InstanceGroup): Tags {
  return ownedTags(b.name, names.asg(group.name), `${group.name}.${b.name}`, {
    ...group.spec.cloudLabels,
    ...roleTags(group),
    [INSTANCE_GROUP_TAG]: group.name,
    // The boot finds its member's etcd volume by this (on-instance/etcd-volume.ts).
    ...(group.spec.role === 'control-plane' ? {[ETCD_MEMBER_TAG]: etcdMemberOf(group)} : {}),
    ...autoscalerTags(b.name, group),
  })
}

export function buildGroups(b: ModelBuilder): void {
  const {spec} = b.cluster
  for (const group of b.cluster.instanceGroups) {
    const image = b.inputs.images.get(group.name)
    if (!image) throw new Error(`no image resolved for instance group ${group.name}`)
    const iam = ROLE_IAM[group.spec.role]
    const sgs: Val[] = [ref(names.sg(ROLE_SG[group.spec.role]))]
    const lt = names.launchTemplate(group.name)
    b.add(launchTemplateKind, lt, {
      name: awsNames.launchTemplate(group.name, b.name),
      imageId: image.id,
      instanceType: group.spec.machineType,
      ...(b.has(names.profile(iam)) ? {instanceProfileArn: ref(names.profile(iam), 'arn')} : {}),
      securityGroupIds: sgs,
      ...(b.has(names.keyPair)
        ? {keyName: ref(names.keyPair, 'name')}
        : spec.cloud.aws.sshKey?.name
          ? {keyName: spec.cloud.aws.sshKey.name}
          : {}),
      userData: userDataOf(b, group.name),
      rootVolume: {
        deviceName: image.rootDeviceName,
        size: group.spec.rootVolume.size,
        type: group.spec.rootVolume.type,
      },
      metadataHopLimit: group.spec.instanceMetadata.httpPutResponseHopLimit,
      httpTokens: group.spec.instanceMetadata.httpTokens,
      tags: b.tags(lt, group.name, {[INSTANCE_GROUP_TAG]: group.name}),
      volumeTags: ownedTags(b.name, `volume-${group.name}`, `${group.name}.${b.name}`, {
        [INSTANCE_GROUP_TAG]: group.name,
      }),
    })

    const withLb = group.spec.role === 'control-plane'
    // Its instance attaches the member's volume at boot: the volume exists before it launches.
    const volume = etcdVolumeOf(group)
    b.add(
      autoScalingGroupKind,
      names.asg(group.name),
      {
        name: awsNames.autoScalingGroup(group.name, b.name),
        minSize: group.spec.minSize,
        maxSize: group.spec.maxSize,
        launchTemplateId: ref(lt),
        launchTemplateVersion: ref(lt, 'latestVersion'),
        subnetIds: group.spec.subnets.map((s) => ref(names.subnet(s))),
        targetGroupArns: withLb && b.has(names.apiTargetGroup) ? [ref(names.apiTargetGroup, 'arn')] : [],
        tags: instanceTags(b, group),
        ...fleetProps(group),
      },
      volume === undefined ? {} : {dependsOn: [volume]},
    )
    if (hasDrainHook(group.spec.role)) {
      b.add(lifecycleHookKind, names.lifecycleHook(group.name), {
        groupName: ref(names.asg(group.name)),
        name: drainHookName(b.name),
        transition: DRAIN_HOOK.transition,
        heartbeatTimeout: DRAIN_HOOK.heartbeatTimeoutSeconds,
        defaultResult: DRAIN_HOOK.defaultResult,
      })
    }
  }
}
