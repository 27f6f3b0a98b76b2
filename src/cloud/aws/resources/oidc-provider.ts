/**
 * The IAM OIDC identity provider that makes AWS STS trust the cluster's service-account issuer
 * (AssumeRoleWithWebIdentity with a token whose `iss` is the provider's URL and whose `aud` is
 * one of its client ids). Tagged owned: IAM lists every provider of the account, and only this
 * cluster's are found, changed and deleted.
 */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags} from '../model/types.js'
import {fromTagList, isOwned, toTagList} from '../tags.js'
import {iam, iamModule} from './iam.js'

export interface OidcProviderProps {
  /** The issuer URL (`https://...`), exactly as tokens name it. */
  url: string
  /** Audiences accepted: `sts.amazonaws.com` for IRSA. */
  clientIds: string[]
  tags: Tags
}

export interface OidcProviderActual extends Actual {
  url: string
  clientIds: string[]
}

/** IAM reports a provider's URL without its scheme. */
const withScheme = (url: string) => (url.startsWith('https://') ? url : `https://${url}`)

export const oidcProviderKind: ResourceKind<OidcProviderProps, OidcProviderActual> = {
  kind: 'OidcProvider',
  phase: 'security',
  deleteAfter: [],
  ownership: 'tags',
  immutable: ['url'],
  onImmutableChange: 'replace',
  prune: true,

  async list(ctx) {
    const {ListOpenIDConnectProvidersCommand, GetOpenIDConnectProviderCommand} = await iamModule()
    const client = await iam(ctx)
    const arns =
      (await client.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []
    const found = await Promise.all(
      arns.map(async ({Arn}) => {
        const p = await client.send(new GetOpenIDConnectProviderCommand({OpenIDConnectProviderArn: Arn!}))
        return {
          id: Arn!,
          attrs: {id: Arn!, arn: Arn!},
          tags: fromTagList(p.Tags),
          url: withScheme(p.Url ?? ''),
          clientIds: [...(p.ClientIDList ?? [])].sort(),
        }
      }),
    )
    return found.filter((p) => isOwned(ctx.cluster, p.tags))
  },

  match: (_d, p, candidates) => candidates.find((c) => c.url === p.url),
  diff: (p, a) =>
    changes(['url', p.url, a.url], ['clientIds', [...p.clientIds].sort(), a.clientIds]).concat(
      tagChanges(p.tags, a.tags),
    ),

  async create(ctx, d, p) {
    const {CreateOpenIDConnectProviderCommand, ListOpenIDConnectProvidersCommand} = await iamModule()
    const client = await iam(ctx)
    const made = (arn: string, tags: Tags): OidcProviderActual => ({
      id: arn,
      attrs: {id: arn, arn},
      tags,
      url: p.url,
      clientIds: [...p.clientIds].sort(),
    })
    const host = p.url.replace(/^https:\/\//, '')
    return createOrAdopt(ctx, {
      what: `IAM OIDC provider ${p.url}`,
      logical: d.name,
      create: async () => {
        // No thumbprint: for an issuer served by S3, IAM trusts its own CA library and ignores
        // thumbprints (and fetches one itself when the list is omitted).
        const out = await client.send(
          new CreateOpenIDConnectProviderCommand({
            Url: p.url,
            ClientIDList: p.clientIds,
            Tags: toTagList(p.tags),
          }),
        )
        return made(out.OpenIDConnectProviderArn!, p.tags)
      },
      find: async () => {
        const arns =
          (await client.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []
        const arn = arns.find((a) => a.Arn?.endsWith(`:oidc-provider/${host}`))?.Arn
        if (!arn) return undefined
        const listed = (await oidcProviderKind.list(ctx, [])).find((a) => a.id === arn)
        const tags = listed?.tags ?? {}
        return {actual: made(arn, tags), tags}
      },
    })
  },

  async update(ctx, _d, p, a, todo) {
    const m = await iamModule()
    const client = await iam(ctx)
    if (todo.some((c) => c.field === 'clientIds')) {
      for (const id of p.clientIds.filter((c) => !a.clientIds.includes(c)))
        await client.send(
          new m.AddClientIDToOpenIDConnectProviderCommand({OpenIDConnectProviderArn: a.id, ClientID: id}),
        )
      for (const id of a.clientIds.filter((c) => !p.clientIds.includes(c)))
        await client.send(
          new m.RemoveClientIDFromOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: a.id,
            ClientID: id,
          }),
        )
    }
    const tags = todo.filter((c) => c.field.startsWith('tags.'))
    if (tags.length > 0) {
      await client.send(
        new m.TagOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: a.id,
          Tags: tags.map((c) => ({Key: c.field.slice(5), Value: String(c.new)})),
        }),
      )
    }
    return {...a, clientIds: [...p.clientIds].sort(), tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteOpenIDConnectProviderCommand} = await iamModule()
    const client = await iam(ctx)
    await idempotentDelete(() =>
      client.send(new DeleteOpenIDConnectProviderCommand({OpenIDConnectProviderArn: a.id})),
    )
  },

  describe: (p) => `${p.url} (audience ${p.clientIds.join(', ')})`,
}
