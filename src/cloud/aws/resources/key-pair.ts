/**
 * The EC2 key pair imported from the spec's public key. EC2 cannot say which public key a pair
 * holds in a form we can compare, so the pair carries a tag with the key's SHA-256; a different
 * key is a replacement (same name, so launch templates need no change).
 */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags} from '../model/types.js'
import {fromTagList} from '../tags.js'
import {createTags, ec2, ec2Module, matchByName, ownedFilter, tagSpec, tagsFrom} from './ec2.js'

export const PUBLIC_KEY_TAG = 'kforge.dev/public-key-sha256'

export interface KeyPairProps {
  name: string
  publicKey: string
  /** Includes PUBLIC_KEY_TAG. */
  tags: Tags
}

export interface KeyPairActual extends Actual {
  name: string
}

export const keyPairKind: ResourceKind<KeyPairProps, KeyPairActual> = {
  kind: 'KeyPair',
  phase: 'security',
  deleteAfter: [],
  ownership: 'tags',
  immutable: ['name', 'publicKey'],
  onImmutableChange: 'replace',
  prune: true,

  async list(ctx) {
    const {DescribeKeyPairsCommand} = await ec2Module()
    const out = await (await ec2(ctx)).send(new DescribeKeyPairsCommand({Filters: ownedFilter(ctx.cluster)}))
    return (out.KeyPairs ?? []).map((k) => ({
      id: k.KeyPairId ?? k.KeyName!,
      attrs: {id: k.KeyPairId ?? k.KeyName!, name: k.KeyName!},
      tags: fromTagList(k.Tags),
      name: k.KeyName!,
    }))
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),
  diff: (p, a) =>
    changes(['name', p.name, a.name], ['publicKey', p.tags[PUBLIC_KEY_TAG], a.tags[PUBLIC_KEY_TAG]]).concat(
      tagChanges(p.tags, a.tags).filter((c) => c.field !== `tags.${PUBLIC_KEY_TAG}`),
    ),

  async create(ctx, d, p) {
    const {ImportKeyPairCommand, DescribeKeyPairsCommand} = await ec2Module()
    const client = await ec2(ctx)
    // Names are unique: InvalidKeyPair.Duplicate when an attempt whose answer was lost made it.
    return createOrAdopt(ctx, {
      what: `key pair ${p.name}`,
      logical: d.name,
      create: async () => {
        const out = await client.send(
          new ImportKeyPairCommand({
            KeyName: p.name,
            PublicKeyMaterial: Buffer.from(p.publicKey),
            TagSpecifications: tagSpec('key-pair', p.tags),
          }),
        )
        const id = out.KeyPairId ?? p.name
        return {id, attrs: {id, name: p.name}, tags: p.tags, name: p.name}
      },
      find: async () => {
        const k = (await client.send(new DescribeKeyPairsCommand({KeyNames: [p.name]}))).KeyPairs?.[0]
        if (!k) return undefined
        const tags = fromTagList(k.Tags)
        const id = k.KeyPairId ?? p.name
        return {actual: {id, attrs: {id, name: p.name}, tags, name: p.name}, tags}
      },
    })
  },

  async update(ctx, _d, p, a, todo) {
    await createTags(ctx, a.id, tagsFrom(todo))
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteKeyPairCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DeleteKeyPairCommand({KeyName: a.name})))
  },

  describe: (p) => p.name,
}
