/**
 * The tags every kforge resource carries, as the AWS cloud provider and cluster-autoscaler expect
 * them, plus `kforge.dev/resource` (the logical name) so the direct target can match what it finds
 * to what the model wants without relying on `Name`, which users edit.
 */
import type {Tags} from './model/types.js'

export const RESOURCE_TAG = 'kforge.dev/resource'
export const INSTANCE_GROUP_TAG = 'kforge.dev/instancegroup'
/**
 * On an etcd volume: the control-plane member whose data it holds (its instance group's name, as
 * each control-plane group runs exactly one instance). The boot finds its volume by this tag.
 */
export const ETCD_MEMBER_TAG = 'kforge.dev/etcd-member'
/** On an instance a roll detached from its group (surge): its group's name. */
export const DETACHED_TAG = 'kforge.dev/detached-from-asg'

export function clusterTagKey(cluster: string): string {
  return `kubernetes.io/cluster/${cluster}`
}

/** Tags of a resource the cluster owns. `name` is the Name tag; `logical` the model name. */
export function ownedTags(cluster: string, logical: string, name: string, extra: Tags = {}): Tags {
  // Last, so nothing in `extra` (a user's cloud labels among it) can stand in for them.
  return {
    ...extra,
    KubernetesCluster: cluster,
    Name: name,
    [clusterTagKey(cluster)]: 'owned',
    [RESOURCE_TAG]: logical,
  }
}

export function sharedTags(cluster: string): Tags {
  return {[clusterTagKey(cluster)]: 'shared'}
}

export function isOwned(cluster: string, tags: Tags): boolean {
  return tags[clusterTagKey(cluster)] === 'owned'
}

/** AWS's `[{Key, Value}]`, sorted by key so output is deterministic. */
export function toTagList(tags: Tags): {Key: string; Value: string}[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({Key, Value: tags[Key]!}))
}

export function fromTagList(list: readonly {Key?: string; Value?: string}[] | undefined): Tags {
  const out: Tags = {}
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? ''
  return out
}

/** Keys the desired tags set that actual lacks or has with another value (extra tags are left alone). */
export function tagsToSet(desired: Tags, actual: Tags): Tags {
  const out: Tags = {}
  for (const [k, v] of Object.entries(desired)) if (actual[k] !== v) out[k] = v
  return out
}
