/** IAM roles, one per instance role (control plane, nodes, bastion), found under the cluster's path. */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, FindContext, ResourceKind, Tags} from '../model/types.js'
import {visible} from '../model/wait.js'
import {fromTagList, toTagList} from '../tags.js'
import {decodeDocument, iam, iamModule, listClusterRoles, removeRoleFromProfile} from './iam.js'

export interface IamRoleProps {
  name: string
  /** The cluster's IAM path (`/kforge/<cluster>/`): how its IAM resources are found. */
  path: string
  assumeRolePolicy: unknown
  description: string
  tags: Tags
  /** Managed policies attached (service-account roles). Default: not managed */
  managedPolicyArns?: string[]
}

export interface IamRoleActual extends Actual {
  name: string
  assumeRolePolicy: unknown
  /** Read only for roles tagged SERVICE_ACCOUNT_TAG: one more call per role otherwise. */
  managedPolicyArns?: string[]
}

/** On a service account's role: `<namespace>/<name>`; its attached policies are kforge's to manage. */
export const SERVICE_ACCOUNT_TAG = 'kforge.dev/service-account'

async function attachedPolicies(ctx: FindContext, role: string): Promise<string[]> {
  const {paginateListAttachedRolePolicies} = await iamModule()
  const client = await iam(ctx)
  const out: string[] = []
  for await (const page of paginateListAttachedRolePolicies({client}, {RoleName: role})) {
    for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) out.push(p.PolicyArn)
  }
  return out.sort()
}

/** Attaches what `want` has and `have` lacks, detaches the rest. */
async function syncPolicies(
  ctx: FindContext,
  role: string,
  want: readonly string[],
  have: readonly string[],
) {
  const {AttachRolePolicyCommand, DetachRolePolicyCommand} = await iamModule()
  const client = await iam(ctx)
  for (const arn of want.filter((a) => !have.includes(a)))
    await client.send(new AttachRolePolicyCommand({RoleName: role, PolicyArn: arn}))
  for (const arn of have.filter((a) => !want.includes(a)))
    await idempotentDelete(() => client.send(new DetachRolePolicyCommand({RoleName: role, PolicyArn: arn})))
}

export const iamRoleKind: ResourceKind<IamRoleProps, IamRoleActual> = {
  kind: 'IamRole',
  phase: 'security',
  deleteAfter: ['InstanceProfile', 'RolePolicy'],
  ownership: 'parent',
  immutable: ['name'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    const {ListRoleTagsCommand} = await iamModule()
    const client = await iam(ctx)
    return Promise.all(
      (await listClusterRoles(ctx)).map(async (r) => {
        const tags = await visible(
          () => client.send(new ListRoleTagsCommand({RoleName: r.RoleName!})),
          `IAM role ${r.RoleName}`,
          ctx.aws.timings,
        )
        const tagged = fromTagList(tags.Tags)
        return {
          id: r.RoleName!,
          attrs: {id: r.RoleName!, name: r.RoleName!, arn: r.Arn ?? ''},
          tags: tagged,
          name: r.RoleName!,
          assumeRolePolicy: decodeDocument(r.AssumeRolePolicyDocument),
          ...(tagged[SERVICE_ACCOUNT_TAG] === undefined
            ? {}
            : {managedPolicyArns: await attachedPolicies(ctx, r.RoleName!)}),
        }
      }),
    )
  },

  match: (_d, p, candidates) => candidates.find((c) => c.name === p.name),
  diff: (p, a) =>
    changes(
      ['name', p.name, a.name],
      ['assumeRolePolicy', p.assumeRolePolicy, a.assumeRolePolicy],
      [
        'managedPolicyArns',
        p.managedPolicyArns && [...p.managedPolicyArns].sort(),
        a.managedPolicyArns ?? [],
      ],
    ).concat(tagChanges(p.tags, a.tags)),

  async create(ctx, d, p) {
    const {CreateRoleCommand, GetRoleCommand} = await iamModule()
    const client = await iam(ctx)
    const made = (arn: string, tags: Tags, assumeRolePolicy: unknown): IamRoleActual => ({
      id: p.name,
      attrs: {id: p.name, name: p.name, arn},
      tags,
      name: p.name,
      assumeRolePolicy,
    })
    // Names are unique: EntityAlreadyExists when an attempt whose answer was lost made it.
    const role = await createOrAdopt(ctx, {
      what: `IAM role ${p.name}`,
      logical: d.name,
      create: async () => {
        const out = await client.send(
          new CreateRoleCommand({
            RoleName: p.name,
            Path: p.path,
            AssumeRolePolicyDocument: JSON.stringify(p.assumeRolePolicy),
            Description: p.description,
            Tags: toTagList(p.tags),
          }),
        )
        return made(out.Role!.Arn!, p.tags, p.assumeRolePolicy)
      },
      find: async () => {
        const r = (await client.send(new GetRoleCommand({RoleName: p.name}))).Role
        if (!r) return undefined
        const tags = fromTagList(r.Tags)
        return {actual: made(r.Arn!, tags, decodeDocument(r.AssumeRolePolicyDocument)), tags}
      },
    })
    if (!p.managedPolicyArns) return role
    const want = [...p.managedPolicyArns].sort()
    await syncPolicies(ctx, p.name, want, await attachedPolicies(ctx, p.name))
    return {...role, managedPolicyArns: want}
  },

  async update(ctx, _d, p, a, todo) {
    const {UpdateAssumeRolePolicyCommand, TagRoleCommand} = await iamModule()
    const client = await iam(ctx)
    if (todo.some((c) => c.field === 'assumeRolePolicy')) {
      await client.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: a.name,
          PolicyDocument: JSON.stringify(p.assumeRolePolicy),
        }),
      )
    }
    const tags = todo.filter((c) => c.field.startsWith('tags.'))
    if (tags.length > 0) {
      await client.send(
        new TagRoleCommand({
          RoleName: a.name,
          Tags: tags.map((c) => ({Key: c.field.slice(5), Value: String(c.new)})),
        }),
      )
    }
    if (p.managedPolicyArns && todo.some((c) => c.field === 'managedPolicyArns')) {
      await syncPolicies(ctx, a.name, p.managedPolicyArns, a.managedPolicyArns ?? [])
    }
    return {
      ...a,
      assumeRolePolicy: p.assumeRolePolicy,
      tags: {...a.tags, ...p.tags},
      ...(p.managedPolicyArns ? {managedPolicyArns: [...p.managedPolicyArns].sort()} : {}),
    }
  },

  async delete(ctx, a) {
    const m = await iamModule()
    const client = await iam(ctx)
    // IAM refuses to delete a role with anything attached: clear it, whoever attached it. Each
    // step may meet NoSuchEntity when a retried call's first attempt did it: that is done.
    const inline = await client.send(new m.ListRolePoliciesCommand({RoleName: a.name}))
    for (const name of inline.PolicyNames ?? []) {
      await idempotentDelete(() =>
        client.send(new m.DeleteRolePolicyCommand({RoleName: a.name, PolicyName: name})),
      )
    }
    const attached = await client.send(new m.ListAttachedRolePoliciesCommand({RoleName: a.name}))
    for (const p of attached.AttachedPolicies ?? []) {
      await idempotentDelete(() =>
        client.send(new m.DetachRolePolicyCommand({RoleName: a.name, PolicyArn: p.PolicyArn!})),
      )
    }
    const profiles = await client.send(new m.ListInstanceProfilesForRoleCommand({RoleName: a.name}))
    for (const p of profiles.InstanceProfiles ?? []) {
      await removeRoleFromProfile(ctx, p.InstanceProfileName!, a.name)
    }
    await idempotentDelete(() => client.send(new m.DeleteRoleCommand({RoleName: a.name})))
  },

  describe: (p) => p.name,
}
