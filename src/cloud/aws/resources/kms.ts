/** Helpers the KMS kinds share: one ListAliases per run. */
import type {AliasListEntry, KMSClient} from '@aws-sdk/client-kms'
import {awsNames} from '../build/names.js'
import type {FindContext} from '../model/types.js'

export function kms(ctx: FindContext): Promise<KMSClient> {
  return ctx.aws.kms()
}

export async function kmsModule(): Promise<typeof import('@aws-sdk/client-kms')> {
  return import('@aws-sdk/client-kms')
}

/** `alias/kforge/<cluster>-<hash>`: the one alias name (see build/names.ts for why the hash). */
export function clusterAlias(cluster: string): string {
  return awsNames.kmsAlias(cluster)
}

export function listAliases(ctx: FindContext): Promise<AliasListEntry[]> {
  return ctx.once('kms:ListAliases', async () => {
    const {paginateListAliases} = await kmsModule()
    const client = await kms(ctx)
    const out: AliasListEntry[] = []
    for await (const page of paginateListAliases({client}, {})) out.push(...(page.Aliases ?? []))
    return out
  })
}
