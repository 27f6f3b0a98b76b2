/**
 * The cluster's KMS key (when the spec names none): encrypts the assets kforge puts in the state
 * store and user-data. Found through its alias; only when the alias is missing (a run that died
 * between creating the key and its alias) are the account's keys scanned for the cluster's tags,
 * so that key is reused rather than a second one made.
 */
import type {Tag as KmsTag} from '@aws-sdk/client-kms'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags} from '../model/types.js'
import {visible} from '../model/wait.js'
import {clusterTagKey, RESOURCE_TAG} from '../tags.js'
import {clusterAlias, kms, kmsModule, listAliases} from './kms.js'

export interface KmsKeyProps {
  description: string
  tags: Tags
}

export interface KmsKeyActual extends Actual {
  description: string
}

function fromKmsTags(tags: readonly KmsTag[] | undefined): Tags {
  const out: Tags = {}
  for (const t of tags ?? []) if (t.TagKey) out[t.TagKey] = t.TagValue ?? ''
  return out
}

function toKmsTags(tags: Tags): KmsTag[] {
  return Object.keys(tags)
    .sort()
    .map((k) => ({TagKey: k, TagValue: tags[k]!}))
}

async function describe(ctx: FindContext, keyId: string): Promise<KmsKeyActual | undefined> {
  const {DescribeKeyCommand, ListResourceTagsCommand} = await kmsModule()
  const client = await kms(ctx)
  const meta = (
    await visible(
      () => client.send(new DescribeKeyCommand({KeyId: keyId})),
      `KMS key ${keyId}`,
      ctx.aws.timings,
    )
  ).KeyMetadata
  if (!meta || meta.KeyState === 'PendingDeletion' || meta.KeyState === 'Disabled') return undefined
  const tags = fromKmsTags(
    (
      await visible(
        () => client.send(new ListResourceTagsCommand({KeyId: meta.KeyId!})),
        `KMS key ${keyId}`,
        ctx.aws.timings,
      )
    ).Tags,
  )
  return {
    id: meta.KeyId!,
    attrs: {id: meta.KeyId!, arn: meta.Arn ?? ''},
    tags,
    description: meta.Description ?? '',
  }
}

/** Every live key tagged as this cluster's, found by reading each key's tags (KMS cannot filter by tag). */
async function scanTagged(ctx: FindContext): Promise<KmsKeyActual[]> {
  const {paginateListKeys, ListResourceTagsCommand} = await kmsModule()
  const client = await kms(ctx)
  const out: KmsKeyActual[] = []
  for await (const page of paginateListKeys({client}, {})) {
    for (const k of page.Keys ?? []) {
      const tags = fromKmsTags((await client.send(new ListResourceTagsCommand({KeyId: k.KeyId!}))).Tags)
      if (tags[clusterTagKey(ctx.cluster)] !== 'owned' || tags[RESOURCE_TAG] === undefined) continue
      const key = await describe(ctx, k.KeyId!)
      if (key) out.push(key)
    }
  }
  return out
}

export const kmsKeyKind: ResourceKind<KmsKeyProps, KmsKeyActual> = {
  kind: 'KmsKey',
  phase: 'prerequisites',
  deleteAfter: ['KmsAlias'],
  ownership: 'tags',
  immutable: [],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    const alias = (await listAliases(ctx)).find((a) => a.AliasName === clusterAlias(ctx.cluster))
    if (alias?.TargetKeyId) {
      const key = await describe(ctx, alias.TargetKeyId)
      if (key) return [key]
    }
    // A cluster that names its own key never made one: no reason to scan.
    if (ctx.spec?.spec.cloud.aws.kmsKeyArn) return []
    return scanTagged(ctx)
  },

  match: (desired, _p, candidates) => candidates.find((c) => c.tags[RESOURCE_TAG] === desired.name),
  diff: (p, a) => changes(['description', p.description, a.description]).concat(tagChanges(p.tags, a.tags)),

  async create(ctx, d, p) {
    const {CreateKeyCommand, EnableKeyRotationCommand} = await kmsModule()
    const client = await kms(ctx)
    // No idempotency token: tagged at creation, so an attempt whose answer was lost is found.
    const key = await createOrAdopt(ctx, {
      what: `KMS key ${d.name}`,
      logical: d.name,
      create: async () => {
        const meta = (
          await client.send(
            new CreateKeyCommand({
              Description: p.description,
              KeyUsage: 'ENCRYPT_DECRYPT',
              Tags: toKmsTags(p.tags),
            }),
          )
        ).KeyMetadata!
        return {
          id: meta.KeyId!,
          attrs: {id: meta.KeyId!, arn: meta.Arn ?? ''},
          tags: p.tags,
          description: p.description,
        }
      },
      find: async () => {
        const k = (await scanTagged(ctx)).find((c) => c.tags[RESOURCE_TAG] === d.name)
        return k ? {actual: k, tags: k.tags} : undefined
      },
    })
    await client.send(new EnableKeyRotationCommand({KeyId: key.id}))
    return key
  },

  async update(ctx, _d, p, a, todo) {
    const {UpdateKeyDescriptionCommand, TagResourceCommand} = await kmsModule()
    const client = await kms(ctx)
    if (todo.some((c) => c.field === 'description')) {
      await client.send(new UpdateKeyDescriptionCommand({KeyId: a.id, Description: p.description}))
    }
    const tags = todo.filter((c) => c.field.startsWith('tags.'))
    if (tags.length > 0) {
      await client.send(
        new TagResourceCommand({
          KeyId: a.id,
          Tags: tags.map((c) => ({TagKey: c.field.slice(5), TagValue: String(c.new)})),
        }),
      )
    }
    return {...a, description: p.description, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {ScheduleKeyDeletionCommand} = await kmsModule()
    const client = await kms(ctx)
    // KMS never deletes at once: 7 days is the shortest window. A key already pending deletion
    // (a retried call's first attempt) answers KMSInvalidStateException: done.
    await idempotentDelete(
      () => client.send(new ScheduleKeyDeletionCommand({KeyId: a.id, PendingWindowInDays: 7})),
      [/^KMSInvalidStateException$/],
    )
  },

  describe: (p) => p.description,
}
