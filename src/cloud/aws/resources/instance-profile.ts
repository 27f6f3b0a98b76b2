/** An instance profile per IAM role: what a launch template names. */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import {awsErrorCode} from '../model/errors.js'
import type {Actual, ResourceKind, Tags, Val} from '../model/types.js'
import {visible} from '../model/wait.js'
import {fromTagList, toTagList} from '../tags.js'
import {clusterPath, iam, iamModule, removeRoleFromProfile} from './iam.js'

export interface InstanceProfileProps {
  name: string
  /** The cluster's IAM path (`/kforge/<cluster>/`): how its IAM resources are found. */
  path: string
  roleName: Val
  tags: Tags
}

export interface InstanceProfileActual extends Actual {
  name: string
  roles: string[]
}

export const instanceProfileKind: ResourceKind<InstanceProfileProps, InstanceProfileActual> = {
  kind: 'InstanceProfile',
  phase: 'security',
  deleteAfter: ['AutoScalingGroup', 'Instance'],
  ownership: 'parent',
  immutable: ['name'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    const {paginateListInstanceProfiles} = await iamModule()
    const client = await iam(ctx)
    const out: InstanceProfileActual[] = []
    for await (const page of paginateListInstanceProfiles({client}, {PathPrefix: clusterPath(ctx.cluster)})) {
      for (const p of page.InstanceProfiles ?? []) {
        if (p.Path !== clusterPath(ctx.cluster)) continue
        out.push({
          id: p.InstanceProfileName!,
          attrs: {id: p.InstanceProfileName!, name: p.InstanceProfileName!, arn: p.Arn ?? ''},
          // Listed by path; CloudFormation cannot tag profiles, so kforge does not manage their tags.
          tags: {},
          name: p.InstanceProfileName!,
          roles: (p.Roles ?? []).map((r) => r.RoleName!),
        })
      }
    }
    return out
  },

  match: (_d, p, candidates) => candidates.find((c) => c.name === p.name),
  diff: (p, a) => changes(['name', p.name, a.name], ['roles', [p.roleName], a.roles]),

  async create(ctx, d, p) {
    const {CreateInstanceProfileCommand, GetInstanceProfileCommand} = await iamModule()
    const client = await iam(ctx)
    const made = (arn: string, roles: string[]): InstanceProfileActual => ({
      id: p.name,
      attrs: {id: p.name, name: p.name, arn},
      tags: {},
      name: p.name,
      roles,
    })
    // Names are unique: EntityAlreadyExists when an attempt whose answer was lost made it.
    const created = await createOrAdopt(ctx, {
      what: `instance profile ${p.name}`,
      create: async () => {
        const out = await client.send(
          new CreateInstanceProfileCommand({
            InstanceProfileName: p.name,
            Path: p.path,
            Tags: toTagList(p.tags),
          }),
        )
        return made(out.InstanceProfile!.Arn!, [])
      },
      find: async () => {
        const ip = (await client.send(new GetInstanceProfileCommand({InstanceProfileName: p.name})))
          .InstanceProfile
        if (!ip) return undefined
        return {
          actual: made(
            ip.Arn!,
            (ip.Roles ?? []).map((r) => r.RoleName!),
          ),
          // The cluster's IAM path is how its profiles are found (and listed): that is ownership here.
          tags:
            ip.Path === p.path
              ? {KubernetesCluster: ctx.cluster, ...fromTagList(ip.Tags)}
              : fromTagList(ip.Tags),
        }
      },
    })
    return this.update(ctx, d, p, created, this.diff(p, created))
  },

  async update(ctx, _d, p, a) {
    const {AddRoleToInstanceProfileCommand} = await iamModule()
    const client = await iam(ctx)
    for (const role of a.roles.filter((r) => r !== p.roleName)) await removeRoleFromProfile(ctx, a.name, role)
    if (!a.roles.includes(p.roleName)) {
      // IAM is eventually consistent: a profile (or role) made a moment ago may answer NoSuchEntity.
      const what = `instance profile ${a.name}`
      try {
        await visible(
          () =>
            client.send(
              new AddRoleToInstanceProfileCommand({InstanceProfileName: a.name, RoleName: p.roleName}),
            ),
          what,
          ctx.aws.timings,
        )
      } catch (err) {
        // A profile holds one role: LimitExceeded when a retried call's first attempt added ours.
        if (awsErrorCode(err) !== 'LimitExceeded' && awsErrorCode(err) !== 'LimitExceededException') throw err
        const {GetInstanceProfileCommand} = await iamModule()
        const profile = await visible(
          () => client.send(new GetInstanceProfileCommand({InstanceProfileName: a.name})),
          what,
          ctx.aws.timings,
        )
        if (!profile.InstanceProfile?.Roles?.some((r) => r.RoleName === p.roleName)) throw err
      }
    }
    return {...a, roles: [p.roleName]}
  },

  async delete(ctx, a) {
    const {DeleteInstanceProfileCommand} = await iamModule()
    const client = await iam(ctx)
    for (const role of a.roles) await removeRoleFromProfile(ctx, a.name, role)
    await idempotentDelete(() => client.send(new DeleteInstanceProfileCommand({InstanceProfileName: a.name})))
  },

  describe: (p) => `${p.name} → ${p.roleName}`,
}
