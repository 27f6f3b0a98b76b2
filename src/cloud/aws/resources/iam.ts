/** Helpers the IAM kinds share: everything the cluster owns lives under its own IAM path. */
import type {IAMClient, Role} from '@aws-sdk/client-iam'
import {isNotFound} from '../model/errors.js'
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

/**
 * Takes `role` out of `profile`, or finds it already out: a retried call whose first attempt did
 * it answers NoSuchEntity on AWS (and a server error in the emulator); either way, what counts is
 * that the profile no longer holds the role.
 */
export async function removeRoleFromProfile(ctx: FindContext, profile: string, role: string): Promise<void> {
  const {RemoveRoleFromInstanceProfileCommand, GetInstanceProfileCommand} = await iamModule()
  const client = await iam(ctx)
  try {
    await client.send(
      new RemoveRoleFromInstanceProfileCommand({InstanceProfileName: profile, RoleName: role}),
    )
  } catch (err) {
    if (isNotFound(err)) return
    const still = await client
      .send(new GetInstanceProfileCommand({InstanceProfileName: profile}))
      .then((out) => (out.InstanceProfile?.Roles ?? []).some((r) => r.RoleName === role))
      .catch((e: unknown) => {
        if (isNotFound(e)) return false
        throw e
      })
    if (still) throw err
  }
}
