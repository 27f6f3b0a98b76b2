/** A role's inline policy (kforge keeps one per role). */
import {idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import type {Actual, ResourceKind, Val} from '../model/types.js'
import {visible} from '../model/wait.js'
import {decodeDocument, iam, iamModule, listClusterRoles} from './iam.js'

export interface RolePolicyProps {
  roleName: Val
  policyName: string
  /** The policy document; may contain Refs (the KMS key's ARN). */
  document: unknown
}

export interface RolePolicyActual extends Actual {
  roleName: string
  policyName: string
  document: unknown
}

export const rolePolicyKind: ResourceKind<RolePolicyProps, RolePolicyActual> = {
  kind: 'RolePolicy',
  phase: 'security',
  deleteAfter: [],
  ownership: 'parent',
  immutable: ['roleName', 'policyName'],
  onImmutableChange: 'replace',
  prune: false,

  async list(ctx) {
    const {ListRolePoliciesCommand, GetRolePolicyCommand} = await iamModule()
    const client = await iam(ctx)
    const roles = await listClusterRoles(ctx)
    const perRole = await Promise.all(
      roles.map(async (r) => {
        const names =
          (
            await visible(
              () => client.send(new ListRolePoliciesCommand({RoleName: r.RoleName!})),
              `IAM role ${r.RoleName}`,
              ctx.aws.timings,
            )
          ).PolicyNames ?? []
        return Promise.all(
          names.map(async (policyName) => {
            const doc = await visible(
              () => client.send(new GetRolePolicyCommand({RoleName: r.RoleName!, PolicyName: policyName})),
              `policy ${policyName} of IAM role ${r.RoleName}`,
              ctx.aws.timings,
            )
            const id = `${r.RoleName}|${policyName}`
            return {
              id,
              attrs: {id},
              tags: {},
              roleName: r.RoleName!,
              policyName,
              document: decodeDocument(doc.PolicyDocument),
            }
          }),
        )
      }),
    )
    return perRole.flat()
  },

  match: (_d, p, candidates) =>
    candidates.find((c) => c.roleName === p.roleName && c.policyName === p.policyName),
  diff: (p, a) => changes(['document', p.document, a.document]),

  // PutRolePolicy replaces: a retried call is harmless.
  async create(ctx, _d, p) {
    const {PutRolePolicyCommand} = await iamModule()
    await (await iam(ctx)).send(
      new PutRolePolicyCommand({
        RoleName: p.roleName,
        PolicyName: p.policyName,
        PolicyDocument: JSON.stringify(p.document),
      }),
    )
    const id = `${p.roleName}|${p.policyName}`
    return {id, attrs: {id}, tags: {}, roleName: p.roleName, policyName: p.policyName, document: p.document}
  },

  async update(ctx, d, p) {
    return this.create(ctx, d, p)
  },

  async delete(ctx, a) {
    const {DeleteRolePolicyCommand} = await iamModule()
    const client = await iam(ctx)
    await idempotentDelete(() =>
      client.send(new DeleteRolePolicyCommand({RoleName: a.roleName, PolicyName: a.policyName})),
    )
  },
  // Deleting the role removes its policies first.
  neededOnClusterDelete: () => false,

  describe: (p) => `${p.policyName} on ${p.roleName}`,
}
