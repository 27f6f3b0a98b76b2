/** `alias/kforge/<cluster>-<hash>`: how the cluster's key is found again. */
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
  phase: 'security',
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

  async create(ctx, _d, p) {
    const {CreateAliasCommand} = await kmsModule()
    await (await kms(ctx)).send(new CreateAliasCommand({AliasName: p.name, TargetKeyId: p.targetKeyId}))
    return {id: p.name, attrs: {id: p.name}, tags: {}, targetKeyId: p.targetKeyId}
  },

  async update(ctx, _d, p, a) {
    const {UpdateAliasCommand} = await kmsModule()
    await (await kms(ctx)).send(new UpdateAliasCommand({AliasName: a.id, TargetKeyId: p.targetKeyId}))
    return {...a, targetKeyId: p.targetKeyId}
  },

  async delete(ctx, a) {
    const {DeleteAliasCommand} = await kmsModule()
    await (await kms(ctx)).send(new DeleteAliasCommand({AliasName: a.id}))
  },

  describe: (p) => p.name,
}
