/**
 * The IAM policy a user needs to run every kforge command (docs/iam/provisioner-policy.json,
 * `kforge iam provisioner-policy`). Every action is one the provisioner's code calls (a test scans
 * src/ for the SDK commands and holds this list to them), plus the three AWS authorizes
 * implicitly: iam:PassRole (launch templates name the instance profiles), ec2:RunInstances (an
 * auto-scaling group launching from a launch template authorizes its creator) and
 * iam:CreateServiceLinkedRole (the first load balancer and auto-scaling group of an account).
 */
import {DISCOVERY_PATH, JWKS_PATH} from '../../api/v1alpha1/identity.js'
import {parseS3Url} from '../../render/urls.js'
import {partition} from './build/iam-policies.js'

interface Statement {
  Sid: string
  Effect: 'Allow'
  Action: string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, string | string[]>>
}

/** Reads and writes of the cloud model, the lifecycle commands and the cluster key, by service. */
export const PROVISIONER_ACTIONS = {
  autoscaling: [
    'autoscaling:AttachLoadBalancerTargetGroups',
    'autoscaling:CreateAutoScalingGroup',
    'autoscaling:CreateOrUpdateTags',
    'autoscaling:DeleteAutoScalingGroup',
    'autoscaling:DeleteLifecycleHook',
    'autoscaling:DeleteTags',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeAutoScalingInstances',
    'autoscaling:DetachInstances',
    'autoscaling:DetachLoadBalancerTargetGroups',
    'autoscaling:EnableMetricsCollection',
    'autoscaling:PutLifecycleHook',
    'autoscaling:TerminateInstanceInAutoScalingGroup',
    'autoscaling:UpdateAutoScalingGroup',
  ],
  // `update cluster --target cloudformation` and deleting a cluster deployed as a stack. The stack is
  // made with the caller's own credentials (no service role), so its resources need the actions below.
  cloudformation: [
    'cloudformation:CreateChangeSet',
    'cloudformation:DeleteChangeSet',
    'cloudformation:DeleteStack',
    'cloudformation:DescribeChangeSet',
    'cloudformation:DescribeStackEvents',
    'cloudformation:DescribeStacks',
    'cloudformation:ExecuteChangeSet',
    'cloudformation:GetTemplate',
    'cloudformation:ListStackResources',
  ],
  ec2: [
    'ec2:AllocateAddress',
    'ec2:AssociateRouteTable',
    'ec2:AttachInternetGateway',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:CreateInternetGateway',
    'ec2:CreateLaunchTemplate',
    'ec2:CreateLaunchTemplateVersion',
    'ec2:CreateNatGateway',
    'ec2:CreateRoute',
    'ec2:CreateRouteTable',
    'ec2:CreateSecurityGroup',
    'ec2:CreateSubnet',
    'ec2:CreateTags',
    'ec2:CreateVolume',
    'ec2:CreateVpc',
    'ec2:DeleteInternetGateway',
    'ec2:DeleteKeyPair',
    'ec2:DeleteLaunchTemplate',
    'ec2:DeleteNatGateway',
    'ec2:DeleteNetworkInterface',
    'ec2:DeleteRoute',
    'ec2:DeleteRouteTable',
    'ec2:DeleteSecurityGroup',
    'ec2:DeleteSubnet',
    'ec2:DeleteTags',
    'ec2:DeleteVolume',
    'ec2:DeleteVpc',
    'ec2:DescribeAddresses',
    'ec2:DescribeImages',
    'ec2:DescribeInstances',
    'ec2:DescribeInternetGateways',
    'ec2:DescribeKeyPairs',
    'ec2:DescribeLaunchTemplateVersions',
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeNatGateways',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeRouteTables',
    'ec2:DescribeSecurityGroupRules',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVolumes',
    'ec2:DescribeVolumesModifications',
    'ec2:DescribeVpcAttribute',
    'ec2:DescribeVpcs',
    'ec2:DetachInternetGateway',
    'ec2:DetachVolume',
    'ec2:DisassociateRouteTable',
    'ec2:ImportKeyPair',
    'ec2:ModifyLaunchTemplate',
    'ec2:ModifySubnetAttribute',
    'ec2:ModifyVolume',
    'ec2:ModifyVpcAttribute',
    'ec2:ReleaseAddress',
    'ec2:ReplaceRoute',
    'ec2:ReplaceRouteTableAssociation',
    'ec2:RevokeSecurityGroupIngress',
    'ec2:RunInstances',
    'ec2:TerminateInstances',
  ],
  elasticloadbalancing: [
    'elasticloadbalancing:AddTags',
    'elasticloadbalancing:CreateListener',
    'elasticloadbalancing:CreateLoadBalancer',
    'elasticloadbalancing:CreateTargetGroup',
    'elasticloadbalancing:DeleteListener',
    'elasticloadbalancing:DeleteLoadBalancer',
    'elasticloadbalancing:DeleteTargetGroup',
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeTags',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:ModifyListener',
    'elasticloadbalancing:SetSecurityGroups',
    'elasticloadbalancing:SetSubnets',
  ],
  kms: [
    'kms:CreateAlias',
    'kms:CreateKey',
    'kms:Decrypt',
    'kms:DeleteAlias',
    'kms:DescribeKey',
    'kms:EnableKeyRotation',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:ListAliases',
    'kms:ListKeys',
    'kms:ListResourceTags',
    'kms:ScheduleKeyDeletion',
    'kms:TagResource',
    'kms:UpdateAlias',
    'kms:UpdateKeyDescription',
  ],
  route53: [
    'route53:ChangeResourceRecordSets',
    'route53:ChangeTagsForResource',
    'route53:CreateHostedZone',
    'route53:DeleteHostedZone',
    'route53:GetHostedZone',
    'route53:ListHostedZonesByName',
    'route53:ListResourceRecordSets',
    'route53:ListTagsForResources',
  ],
} as const

/** IAM: only roles and instance profiles under kforge's path (`/kforge/<cluster>/`). */
export const PROVISIONER_IAM_ACTIONS = [
  'iam:AddRoleToInstanceProfile',
  // Service-account roles get the managed policies the spec names (iam.serviceAccountExternalPermissions).
  'iam:AttachRolePolicy',
  'iam:CreateInstanceProfile',
  'iam:CreateRole',
  'iam:DeleteInstanceProfile',
  'iam:DeleteRole',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:GetInstanceProfile',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListInstanceProfilesForRole',
  'iam:ListRolePolicies',
  'iam:ListRoleTags',
  'iam:PutRolePolicy',
  'iam:RemoveRoleFromInstanceProfile',
  'iam:TagRole',
  'iam:UpdateAssumeRolePolicy',
] as const

/** The service-account issuer's IAM OIDC provider (IAM has no path for providers). */
export const PROVISIONER_OIDC_ACTIONS = [
  'iam:AddClientIDToOpenIDConnectProvider',
  'iam:CreateOpenIDConnectProvider',
  'iam:DeleteOpenIDConnectProvider',
  'iam:GetOpenIDConnectProvider',
  'iam:RemoveClientIDFromOpenIDConnectProvider',
  'iam:TagOpenIDConnectProvider',
] as const

/** Listing is not scoped by path in IAM: these take `*`. */
export const PROVISIONER_IAM_LIST_ACTIONS = [
  'iam:ListInstanceProfiles',
  'iam:ListOpenIDConnectProviders',
  'iam:ListRoles',
] as const

export const PROVISIONER_S3_OBJECT_ACTIONS = ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'] as const
/** Listing, and `create`'s check (and, with --secure-state-store, setting) of the bucket's settings. */
export const PROVISIONER_S3_BUCKET_ACTIONS = [
  's3:GetBucketPublicAccessBlock',
  's3:GetBucketVersioning',
  's3:GetEncryptionConfiguration',
  's3:ListBucket',
  's3:PutBucketPublicAccessBlock',
  's3:PutBucketVersioning',
  's3:PutEncryptionConfiguration',
] as const

export interface ProvisionerPolicyOptions {
  /** `s3://bucket/prefix`: narrow the S3 statements to the state store. Default: any bucket. */
  stateStore?: string
  /** Default: us-east-1 (only the partition of the ARNs depends on it). */
  region?: string
  /**
   * `s3://bucket/prefix` of serviceAccountIssuerDiscovery.discoveryStore: with a state store
   * given, the issuer's documents there need their own statement. Default: none
   */
  discoveryStore?: string
}

/** The issuer's two documents (writes, reads, deletes), when the S3 statements are narrowed. */
function issuerStatement(p: string, discoveryStore: string | undefined): Statement[] {
  const at = discoveryStore ? parseS3Url(discoveryStore) : undefined
  if (!at) return []
  const prefix = at.key === '' ? '' : `${at.key}/`
  return [
    {
      Sid: 'ServiceAccountIssuerDocuments',
      Effect: 'Allow',
      Action: [...PROVISIONER_S3_OBJECT_ACTIONS],
      Resource: [
        `arn:${p}:s3:::${at.bucket}/${prefix}${DISCOVERY_PATH}`,
        `arn:${p}:s3:::${at.bucket}/${prefix}${JWKS_PATH}`,
      ],
    },
  ]
}

export function provisionerPolicy(options: ProvisionerPolicyOptions = {}): {
  Version: '2012-10-17'
  Statement: Statement[]
} {
  const p = partition(options.region ?? 'us-east-1')
  const store = options.stateStore ? parseS3Url(options.stateStore) : undefined
  const bucket = store ? `arn:${p}:s3:::${store.bucket}` : `arn:${p}:s3:::*`
  const objects = store ? `${bucket}/${store.key === '' ? '' : `${store.key}/`}*` : `arn:${p}:s3:::*/*`
  const services = Object.entries(PROVISIONER_ACTIONS).map(
    ([service, actions]): Statement => ({
      Sid: `Cluster${service === 'elasticloadbalancing' ? 'LoadBalancer' : service[0]!.toUpperCase() + service.slice(1)}`,
      Effect: 'Allow',
      Action: [...actions],
      Resource: '*',
    }),
  )
  return {
    Version: '2012-10-17',
    Statement: [
      ...services,
      {
        Sid: 'InstanceRoles',
        Effect: 'Allow',
        Action: [...PROVISIONER_IAM_ACTIONS],
        Resource: [`arn:${p}:iam::*:role/kforge/*`, `arn:${p}:iam::*:instance-profile/kforge/*`],
      },
      {
        Sid: 'PassInstanceRolesToEc2',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: `arn:${p}:iam::*:role/kforge/*`,
        Condition: {StringEquals: {'iam:PassedToService': 'ec2.amazonaws.com'}},
      },
      {
        Sid: 'ServiceAccountIssuer',
        Effect: 'Allow',
        Action: [...PROVISIONER_OIDC_ACTIONS],
        Resource: `arn:${p}:iam::*:oidc-provider/*`,
      },
      {Sid: 'ListInstanceRoles', Effect: 'Allow', Action: [...PROVISIONER_IAM_LIST_ACTIONS], Resource: '*'},
      {
        Sid: 'ServiceLinkedRoles',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: `arn:${p}:iam::*:role/aws-service-role/*`,
        Condition: {
          StringEquals: {
            'iam:AWSServiceName': ['autoscaling.amazonaws.com', 'elasticloadbalancing.amazonaws.com'],
          },
        },
      },
      {Sid: 'StateStoreList', Effect: 'Allow', Action: [...PROVISIONER_S3_BUCKET_ACTIONS], Resource: bucket},
      {
        Sid: 'StateStoreObjects',
        Effect: 'Allow',
        Action: [...PROVISIONER_S3_OBJECT_ACTIONS],
        Resource: objects,
      },
      ...issuerStatement(p, store ? options.discoveryStore : undefined),
    ],
  }
}
