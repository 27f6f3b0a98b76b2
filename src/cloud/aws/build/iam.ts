/**
 * IAM for the instance roles: the control plane can do what the AWS cloud provider and the EBS
 * CSI driver need (changes scoped to resources tagged as the cluster's where IAM allows); nodes
 * can describe instances and pull images; the bastion can do next to nothing.
 */
import type {InstanceGroupRole} from '../../../api/v1alpha1/types.js'
import {ref, type Val} from '../model/types.js'
import {clusterPath} from '../resources/iam.js'
import {iamRoleKind} from '../resources/iam-role.js'
import {instanceProfileKind} from '../resources/instance-profile.js'
import {rolePolicyKind} from '../resources/role-policy.js'
import type {ModelBuilder} from './context.js'
import {awsNames, names, ROLE_IAM} from './names.js'

type IamRole = (typeof ROLE_IAM)[InstanceGroupRole]

const ASSUME_EC2 = {
  Version: '2012-10-17',
  Statement: [{Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}, Action: 'sts:AssumeRole'}],
}

function statements(role: IamRole, cluster: string, key: Val): unknown[] {
  const keyUse = (actions: string[]) => ({Sid: 'ClusterKey', Effect: 'Allow', Action: actions, Resource: key})
  switch (role) {
    case 'control-plane':
      return [
        {
          Sid: 'CloudProviderRead',
          Effect: 'Allow',
          Action: [
            'ec2:Describe*',
            'autoscaling:Describe*',
            'elasticloadbalancing:Describe*',
            'kms:DescribeKey',
          ],
          Resource: '*',
        },
        {
          Sid: 'CloudProviderCreate',
          Effect: 'Allow',
          Action: [
            'ec2:CreateTags',
            'ec2:CreateSecurityGroup',
            'ec2:CreateRoute',
            'ec2:CreateVolume',
            'ec2:CreateSnapshot',
            'elasticloadbalancing:*',
            'iam:CreateServiceLinkedRole',
          ],
          Resource: '*',
        },
        {
          Sid: 'CloudProviderChangeOwned',
          Effect: 'Allow',
          Action: [
            'ec2:AuthorizeSecurityGroupIngress',
            'ec2:RevokeSecurityGroupIngress',
            'ec2:DeleteSecurityGroup',
            'ec2:DeleteRoute',
            'ec2:ModifyInstanceAttribute',
            'ec2:AttachVolume',
            'ec2:DetachVolume',
            'ec2:DeleteVolume',
            'ec2:ModifyVolume',
            'ec2:DeleteSnapshot',
            'autoscaling:SetDesiredCapacity',
            'autoscaling:TerminateInstanceInAutoScalingGroup',
          ],
          Resource: '*',
          Condition: {StringEquals: {'aws:ResourceTag/KubernetesCluster': cluster}},
        },
        keyUse(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey']),
      ]
    case 'nodes':
      return [
        {
          Sid: 'NodeRead',
          Effect: 'Allow',
          Action: ['ec2:DescribeInstances', 'ec2:DescribeRegions'],
          Resource: '*',
        },
        {
          Sid: 'PullImages',
          Effect: 'Allow',
          Action: [
            'ecr:GetAuthorizationToken',
            'ecr:BatchCheckLayerAvailability',
            'ecr:GetDownloadUrlForLayer',
            'ecr:BatchGetImage',
          ],
          Resource: '*',
        },
        keyUse(['kms:Decrypt']),
      ]
    case 'bastion':
      return [{Sid: 'BastionRead', Effect: 'Allow', Action: ['ec2:DescribeRegions'], Resource: '*'}]
    default: {
      const never: never = role
      throw new Error(`unknown role ${String(never)}`)
    }
  }
}

/** The cluster key's ARN: the spec's, or the one kforge makes. */
export function clusterKey(b: ModelBuilder): Val {
  return b.cluster.spec.cloud.aws.kmsKeyArn ?? ref(names.kmsKey, 'arn')
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
    b.add(rolePolicyKind, names.policy(role), {
      roleName: ref(names.role(role)),
      policyName: `kforge-${role}`,
      document: {Version: '2012-10-17', Statement: statements(role, b.name, clusterKey(b))},
    })
    b.add(instanceProfileKind, names.profile(role), {
      name: roleName,
      path: clusterPath(b.name),
      roleName: ref(names.role(role)),
      tags: b.tags(names.profile(role), role),
    })
  }
}
