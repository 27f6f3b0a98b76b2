/** Helpers the EC2 kinds share: the owned-by-cluster filter, tag specs, matching by logical name. */
import type {EC2Client, Filter, ResourceType, TagSpecification} from '@aws-sdk/client-ec2'
import type {Actual, Desired, FindContext, Tags} from '../model/types.js'
import {clusterTagKey, RESOURCE_TAG, toTagList} from '../tags.js'

export function ec2(ctx: FindContext): Promise<EC2Client> {
  return ctx.aws.ec2()
}

export async function ec2Module(): Promise<typeof import('@aws-sdk/client-ec2')> {
  return import('@aws-sdk/client-ec2')
}

/** `tag:kubernetes.io/cluster/<name>` = owned: what one batched Describe per kind asks for. */
export function ownedFilter(cluster: string): Filter[] {
  return [{Name: `tag:${clusterTagKey(cluster)}`, Values: ['owned']}]
}

export function tagSpec(type: ResourceType, tags: Tags): TagSpecification[] {
  return [{ResourceType: type, Tags: toTagList(tags)}]
}

/**
 * Every item of one EC2 kind the cluster owns, across all pages: one paginated Describe filtered
 * on the cluster's ownership tag (plus `filters`), so each kind lists in one batched read.
 */
export async function listOwned<Page, Item>(
  ctx: FindContext,
  paginate: (
    config: {client: EC2Client},
    input: {Filters: Filter[]; MaxResults: number},
  ) => AsyncIterable<Page>,
  items: (page: Page) => readonly Item[] | undefined,
  maxResults: number,
  filters: Filter[] = [],
): Promise<Item[]> {
  const client = await ec2(ctx)
  const out: Item[] = []
  for await (const page of paginate(
    {client},
    {Filters: [...ownedFilter(ctx.cluster), ...filters], MaxResults: maxResults},
  ))
    out.push(...(items(page) ?? []))
  return out
}

/** The cluster's resource carrying this logical name: how an untokened create's lost answer is found. */
export function taggedFilter(cluster: string, logical: string): Filter[] {
  return [...ownedFilter(cluster), {Name: `tag:${RESOURCE_TAG}`, Values: [logical]}]
}

/** The candidate carrying this logical name (owned), or the user's resource by id (shared). */
export function matchByName<A extends Actual>(desired: Desired, candidates: readonly A[]): A | undefined {
  if (desired.external) return candidates.find((c) => c.id === desired.external)
  return candidates.find((c) => c.tags[RESOURCE_TAG] === desired.name)
}

export async function createTags(ctx: FindContext, id: string, tags: Tags): Promise<void> {
  if (Object.keys(tags).length === 0) return
  const {CreateTagsCommand} = await ec2Module()
  await (await ec2(ctx)).send(new CreateTagsCommand({Resources: [id], Tags: toTagList(tags)}))
}

/** Tag changes out of a change list (`tags.<key>`), as a Tags object to set. */
export function tagsFrom(changes: readonly {field: string; new: unknown}[]): Tags {
  const out: Tags = {}
  for (const c of changes) if (c.field.startsWith('tags.')) out[c.field.slice(5)] = String(c.new)
  return out
}
