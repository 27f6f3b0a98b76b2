/**
 * IAM for the instance roles: one role and instance profile per instance-group role, each with the
 * least-privilege document of iam-policies.ts (the bastion's role has no policy at all).
 */
import {ebsCsiControllerHasOwnRole} from '../../../api/v1alpha1/identity.js'
import {ref, type Val} from '../model/types.js'
import {clusterPath} from '../resources/iam.js'
import {iamRoleKind} from '../resources/iam-role.js'
import {instanceProfileKind} from '../resources/instance-profile.js'
import {rolePolicyKind} from '../resources/role-policy.js'
import type {ModelBuilder} from './context.js'
import {instanceRolePolicy, type PolicyDocument, type RolePolicyInput} from './iam-policies.js'
import {awsNames, names, ROLE_IAM} from './names.js'

type IamRole = (typeof ROLE_IAM)[keyof typeof ROLE_IAM]

/** What EC2 does when it hands an instance its profile's credentials. */
export const ASSUME_EC2 = {
  Version: '2012-10-17',
  Statement: [{Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}, Action: 'sts:AssumeRole'}],
}

/** The cluster key's ARN: the spec's, or the one kforge makes. */
export function clusterKey(b: ModelBuilder): Val {
  return b.cluster.spec.cloud.aws.kmsKeyArn ?? ref(names.kmsKey, 'arn')
}

/** The inputs of a role's document, from the cluster and the build inputs. */
export function rolePolicyInput(b: ModelBuilder, role: IamRole): RolePolicyInput {
  const {spec} = b.cluster
  return {
    cluster: b.name,
    region: spec.cloud.aws.region,
    key: clusterKey(b),
    groups: b.cluster.instanceGroups
      .filter((g) => ROLE_IAM[g.spec.role] === role)
      .map((g) => g.name)
      .sort(),
    ...(b.inputs.stateStore ? {stateStore: b.inputs.stateStore} : {}),
    ...(spec.mirror ? {mirror: spec.mirror} : {}),
    ...(ebsCsiControllerHasOwnRole(spec) ? {ebsCsiOwnRole: true} : {}),
  }
}

export function rolePolicyDocument(b: ModelBuilder, role: IamRole): PolicyDocument | undefined {
  return instanceRolePolicy(role, rolePolicyInput(b, role))
}

export function buildIam(b: ModelBuilder): void {
  const roles = [...new Set(b.cluster.instanceGroups.map((g) => ROLE_IAM[g.spec.role]))].sort()
  for (const role of roles) {
    const roleName = awsNames.instanceRole(role, b.name)
    b.add(iamRoleKind, names.role(role), {
      name: roleName,
      path: clusterPath(b.name),
      assumeRolePolicy: ASSUME_EC2,
      description: `kforge ${role} instances of cluster ${b.name}`,
      tags: b.tags(names.role(role), role),
    })
    const document = rolePolicyDocument(b, role)
    if (document) {
      b.add(rolePolicyKind, names.policy(role), {
        roleName: ref(names.role(role)),
        policyName: `kforge-${role}`,
        document,
      })
    }
    b.add(instanceProfileKind, names.profile(role), {
      name: roleName,
      path: clusterPath(b.name),
      roleName: ref(names.role(role)),
      tags: b.tags(names.profile(role), role),
    })
  }
}
