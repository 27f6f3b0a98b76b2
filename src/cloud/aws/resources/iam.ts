/** Helpers the IAM kinds share: everything the cluster owns lives under its own IAM path. */
import type {IAMClient, Role} from '@aws-sdk/client-iam'
import type {FindContext} from '../model/types.js'

export function iam(ctx: FindContext): Promise<IAMClient> {
  return ctx.aws.iam()
}

export async function iamModule(): Promise<typeof import('@aws-sdk/client-iam')> {
  return import('@aws-sdk/client-iam')
}

export function clusterPath(cluster: string): string {
  return `/kforge/${cluster}/`
}

/** IAM returns policy documents URL-encoded. */
export function decodeDocument(text: string | undefined): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(decodeURIComponent(text))
  } catch {
    return JSON.parse(text)
  }
}

/** One ListRoles under the cluster's path per run, shared by the role and policy kinds. */
export function listClusterRoles(ctx: FindContext): Promise<Role[]> {
  return ctx.once('iam:ListRoles', async () => {
    const {paginateListRoles} = await iamModule()
    const client = await iam(ctx)
    const out: Role[] = []
    for await (const page of paginateListRoles({client}, {PathPrefix: clusterPath(ctx.cluster)})) {
      out.push(...(page.Roles ?? []))
    }
    // A prefix also matches `/kforge/<cluster>x/`: keep the exact path only.
    return out.filter((r) => r.Path === clusterPath(ctx.cluster))
  })
}
