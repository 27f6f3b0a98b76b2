/**
 * What the prerequisites phase keeps in the state store for instances — the cluster's CAs,
 * service-account key pair and bootstrap token (encrypted at rest under the cluster key), their
 * copies sealed for instances, the node agent and any cloud-config too large for user-data — as
 * one resource of the model. It is not an AWS resource: the context's `storeObjects` (given by
 * the provisioner, which holds the state store) finds and makes it. Its `userData:<group>`
 * attributes are the launch templates' user-data, so a template that needs what the
 * prerequisites make refers to it like any other resource, and the plan shows it as pending.
 *
 * Never pruned nor deleted by `delete cluster`: the state store outlives the cloud resources.
 */
import {KforgeError} from '../../../util/errors.js'
import {same} from '../model/diff.js'
import type {FieldChange, ResourceKind, StoreObjectsActual, Val} from '../model/types.js'

export interface StoreObjectsProps {
  /** The key the secrets are sealed under: the cluster's own (a Ref) or the spec's. */
  keyArn: Val
  /** `s3://bucket/prefix`. */
  location: string
}

/** The attribute that holds the JWKS of the service-account public key (the issuer's keys). */
export const JWKS_ATTR = 'serviceAccountJwks'

/** The attribute that holds a group's user-data (base64), for a launch template's Ref. */
export function userDataAttr(group: string): string {
  return `userData:${group}`
}

export const storeObjectsKind: ResourceKind<StoreObjectsProps, StoreObjectsActual> = {
  kind: 'StateStoreObjects',
  phase: 'prerequisites',
  deleteAfter: [],
  ownership: 'parent',
  immutable: [],
  onImmutableChange: 'refuse',
  prune: false,

  async list(ctx) {
    const found = await ctx.storeObjects?.find()
    return found ? [found] : []
  },

  match: (_d, _p, candidates) => candidates[0],

  diff(p, a) {
    const out: FieldChange[] = []
    if (!same(p.keyArn, a.keyArn)) out.push({field: 'sealedWith', old: a.keyArn || undefined, new: p.keyArn})
    for (const key of a.missing) out.push({field: `objects.${key}`, old: undefined, new: 'written'})
    return out
  },

  async create(ctx, _d, p) {
    if (!ctx.storeObjects) {
      throw new KforgeError(
        'the state store objects can only be made with the state store (kforge update cluster)',
      )
    }
    return ctx.storeObjects.make(p.keyArn)
  },

  async update(ctx, d, p) {
    return storeObjectsKind.create(ctx, d, p)
  },

  // Nothing to delete in the cloud; the state store keeps the cluster's secrets until the user
  // removes the cluster from it.
  async delete() {},
  neededOnClusterDelete: () => false,

  describe: (p) =>
    `CAs, service-account key, their copies sealed for the control plane, node agent and user-data in ${p.location}`,
}
