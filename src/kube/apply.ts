/**
 * kubeadm's apiclient idempotence helpers (cmd/kubeadm/app/util/apiclient): create, and when the
 * object is already there either leave it, overwrite it, or mutate the live copy, retrying when
 * someone else wrote in between (409 Conflict on a stale resourceVersion).
 */
import type {KubeClient} from './client.js'
import {isAlreadyExists, isConflict, isInvalid} from './errors.js'
import type {ResourceType} from './resources.js'
import type {KubeObject} from './types.js'

const CONFLICT_RETRIES = 5

export type ApplyResult = 'created' | 'updated' | 'unchanged'

/** Create; on AlreadyExists replace the live object's content with `obj` (kubeadm CreateOrUpdate). */
export async function createOrUpdate<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType<T>,
  obj: T,
): Promise<ApplyResult> {
  return createOrMutate(client, type, obj, (live) => ({
    ...obj,
    metadata: {
      ...live.metadata,
      ...obj.metadata,
      resourceVersion: live.metadata.resourceVersion,
      uid: live.metadata.uid,
    },
  }))
}

/** Create; leave an existing object alone (kubeadm CreateOrRetain / CreateIfNotExists). */
export async function createIfNotExists<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType<T>,
  obj: T,
): Promise<ApplyResult> {
  try {
    await client.create(type, obj)
    return 'created'
  } catch (err) {
    if (isAlreadyExists(err)) return 'unchanged'
    throw err
  }
}

/**
 * Create; on AlreadyExists read the live object, let `mutate` produce the new one from it and PUT
 * it with the live resourceVersion. A Conflict means a concurrent writer: read again and retry.
 */
export async function createOrMutate<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType<T>,
  obj: T,
  mutate: (live: T) => T,
): Promise<ApplyResult> {
  try {
    await client.create(type, obj)
    return 'created'
  } catch (err) {
    // As kubeadm's DNS service: the API server refuses a Service whose fixed cluster IP is
    // allocated (422 Invalid) before it notices that the Service itself exists, as it does when
    // the addon phase runs again or after an etcd restore. An Invalid create of an object that
    // is there is an update; of one that is not, the refusal it is.
    if (
      !isAlreadyExists(err) &&
      !(isInvalid(err) && (await client.find(type, obj.metadata.name!, obj.metadata.namespace)))
    )
      throw err
  }
  return mutateExisting(client, type, obj.metadata.name!, obj.metadata.namespace, mutate)
}

/** Read-modify-write with conflict retries; 'unchanged' when `mutate` returns an equal object. */
export async function mutateExisting<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType<T>,
  name: string,
  namespace: string | undefined,
  mutate: (live: T) => T,
): Promise<ApplyResult> {
  for (let attempt = 1; ; attempt++) {
    const live = await client.get(type, name, namespace)
    const next = mutate(structuredClone(live))
    if (sameContent(live, next)) return 'unchanged'
    next.metadata.resourceVersion = live.metadata.resourceVersion
    try {
      await client.update(type, next)
      return 'updated'
    } catch (err) {
      if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err
    }
  }
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b))
}

function strip(o: KubeObject): unknown {
  const {apiVersion: _a, kind: _k, status: _s, ...rest} = o as KubeObject & {status?: unknown}
  return {...rest, metadata: {...o.metadata, managedFields: undefined}}
}
