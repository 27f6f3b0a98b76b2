/** `alias/kforge/<cluster>-<hash>`: how the cluster's key is found again. */

import {KforgeError} from '../../../util/errors.js'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {clusterAlias, kms, kmsModule, listAliases} from './kms.js'

export interface KmsAliasProps {
  name: string
  targetKeyId: Val
}

export interface KmsAliasActual extends Actual {
  targetKeyId: string
}

export const kmsAliasKind: ResourceKind<KmsAliasProps, KmsAliasActual> = {
  kind: 'KmsAlias',
  phase: 'prerequisites',
  deleteAfter: [],
  ownership: 'parent',
  immutable: ['name'],
  onImmutableChange: 'refuse',
  prune: false,

  async list(ctx) {
    return (await listAliases(ctx))
      .filter((a) => a.AliasName === clusterAlias(ctx.cluster))
      .map((a) => ({id: a.AliasName!, attrs: {id: a.AliasName!}, tags: {}, targetKeyId: a.TargetKeyId ?? ''}))
  },

  match: (_d, p, candidates) => candidates.find((c) => c.id === p.name),
  diff: (p, a) => changes(['targetKeyId', p.targetKeyId, a.targetKeyId]),

  async create(ctx, d, p) {
    const {CreateAliasCommand, ListAliasesCommand, ListResourceTagsCommand} = await kmsModule()
    const client = await kms(ctx)
    // Names are unique: AlreadyExistsException when an attempt whose answer was lost made it.
    return createOrAdopt(ctx, {
      what: `KMS alias ${p.name}`,
      create: async () => {
        await client.send(new CreateAliasCommand({AliasName: p.name, TargetKeyId: p.targetKeyId}))
        return {id: p.name, attrs: {id: p.name}, tags: {}, targetKeyId: p.targetKeyId}
      },
      // An alias has no tags: the key it names must be this cluster's.
      find: async () => {
        const alias = (await client.send(new ListAliasesCommand({KeyId: p.targetKeyId}))).Aliases?.find(
          (a) => a.AliasName === p.name,
        )
        if (!alias) {
          throw new KforgeError(
            `KMS alias ${p.name} exists and names a key other than ${d.name} (${p.targetKeyId})`,
          )
        }
        const tags = (await client.send(new ListResourceTagsCommand({KeyId: p.targetKeyId}))).Tags ?? []
        return {
          actual: {id: p.name, attrs: {id: p.name}, tags: {}, targetKeyId: p.targetKeyId},
          tags: Object.fromEntries(tags.map((t) => [t.TagKey ?? '', t.TagValue ?? ''])),
        }
      },
    })
  },

  async update(ctx, _d, p, a) {
    const {UpdateAliasCommand} = await kmsModule()
    await (await kms(ctx)).send(new UpdateAliasCommand({AliasName: a.id, TargetKeyId: p.targetKeyId}))
    return {...a, targetKeyId: p.targetKeyId}
  },

  async delete(ctx, a) {
    const {DeleteAliasCommand} = await kmsModule()
    const client = await kms(ctx)
    await idempotentDelete(() => client.send(new DeleteAliasCommand({AliasName: a.id})))
  },

  describe: (p) => p.name,
}
