/**
 * Which lifecycle action this instance completes: its group's AWS name and the termination hook's,
 * derived exactly as the resource model names them (src/cloud/aws/build/names.ts, drain-hook.ts)
 * from the cluster (the assets manifest on the node) and the instance group (its own Node's
 * `kforge.dev/instancegroup` label, which the kubelet registered from the group's kubeadm config).
 * Read when a notice arrives: the watcher needs nothing from the API server before that.
 */
import {drainHookName} from '../../cloud/aws/build/drain-hook.js'
import {awsNames} from '../../cloud/aws/build/names.js'
import {Nodes} from '../../kube/resources.js'
import {INSTANCE_GROUP_LABEL} from '../../render/kubeadm.js'
import {KforgeError} from '../../util/errors.js'
import type {NodeAccess} from './termination.js'

export interface HookTarget {
  group: string
  hook: string
}

export async function hookTarget(cluster: string, access: NodeAccess): Promise<HookTarget> {
  const node = await access.client.get(Nodes, access.node)
  const instanceGroup = node.metadata.labels?.[INSTANCE_GROUP_LABEL]
  if (!instanceGroup) {
    throw new KforgeError(
      `node ${access.node} has no ${INSTANCE_GROUP_LABEL} label: cannot tell its auto-scaling group (pass --group)`,
    )
  }
  return {group: awsNames.autoScalingGroup(instanceGroup, cluster), hook: drainHookName(cluster)}
}
