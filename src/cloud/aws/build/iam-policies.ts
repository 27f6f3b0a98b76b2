/**
 * The permission documents of the instance roles, in kops's way (pkg/model/iam): every mutation is
 * scoped to resources that carry this cluster's `KubernetesCluster` tag, and that tag can be set
 * only when a resource is created (`ec2:CreateAction`, `elasticloadbalancing:CreateAction`), never
 * added to or removed from an existing resource — otherwise "tagged for this cluster" would protect
 * nothing (tag a foreign volume, then delete it). Reads are listed action by action. Each role
 * reads from the state store exactly the objects its instances fetch at boot, and opens with KMS
 * only the secrets sealed for it: the `kforge.dev/cluster`, `kforge.dev/role` and
 * `kforge.dev/asset` encryption context (src/assets/kms.ts) are conditions of its kms:Decrypt. docs/iam/README.md gives the reason for every statement.
 *
 * Pure data: the same inputs give the same documents, so the tests evaluate exactly what kforge
 * creates.
 */
import type {MirrorSpec} from '../../../api/v1alpha1/types.js'
import {MIRROR_ARTIFACTS} from '../../../api/v1alpha1/types.js'
import {ASSET_CATALOG} from '../../../assets/catalog.js'
import {nodeAgentPattern} from '../../../assets/node-agent.js'
import {secretsPrefix} from '../../../assets/secrets-bundle.js'
import type {AssetRole} from '../../../render/types.js'
import {parseS3Url} from '../../../render/urls.js'
import type {Val} from '../model/types.js'
import {awsNames, type ROLE_IAM} from './names.js'

type IamRole = (typeof ROLE_IAM)[keyof typeof ROLE_IAM]

/** The tag every resource of the cluster carries (tags.ts ownedTags), and what the conditions test. */
const CLUSTER_TAG = 'KubernetesCluster'

export interface PolicyStatement {
  Sid: string
  Effect: 'Allow'
  Action: string[]
  Resource: Val | Val[]
  Condition?: Record<string, Record<string, string | string[]>>
}

export interface PolicyDocument {
  Version: '2012-10-17'
  Statement: PolicyStatement[]
}

export interface RolePolicyInput {
  cluster: string
  region: string
  /** The cluster key's ARN (the spec's, or a reference to the key kforge makes). */
  key: Val
  /**
   * The state store, `s3://bucket/prefix`: where instances fetch the node agent and oversized
   * cloud-configs. Absent or a local directory: the role reads nothing from S3 (instances of such a
   * cluster cannot fetch anything from it either; rendering refuses it).
   */
  stateStore?: string
  /** The instance groups that run under this role: each reads its own published cloud-configs. */
  groups: readonly string[]
  mirror?: MirrorSpec
  /**
   * The EBS CSI controller runs under a role of its own (IRSA: ebs-csi-role.ts), so the
   * control-plane role carries none of the driver's volume statements. Default: false (the
   * controller runs on the control plane under the instance role).
   */
  ebsCsiOwnRole?: boolean
}

/** `aws`, `aws-cn` or `aws-us-gov`: ARNs differ by partition. */
export function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

function s3ObjectArn(p: string, bucket: string, ...parts: string[]): string {
  return `arn:${p}:s3:::${bucket}/${parts.filter((x) => x !== '').join('/')}`
}

/** The objects a role's instances fetch at boot: the node agent, their groups' cloud-configs, mirror files. */
export function bootObjects(input: RolePolicyInput): string[] {
  const p = partition(input.region)
  const out: string[] = []
  const store = input.stateStore ? parseS3Url(input.stateStore) : undefined
  if (store) {
    out.push(s3ObjectArn(p, store.bucket, store.key, nodeAgentPattern(input.cluster)))
    for (const group of input.groups) {
      // render.ts publishedConfigKey: `<cluster>/userdata/<group>/<sha256>.yaml`.
      out.push(s3ObjectArn(p, store.bucket, store.key, input.cluster, 'userdata', group, '*.yaml'))
    }
  }
  const mirror = input.mirror ? parseS3Url(input.mirror.baseUrl) : undefined
  if (mirror && input.mirror) {
    for (const name of MIRROR_ARTIFACTS) {
      out.push(s3ObjectArn(p, mirror.bucket, mirror.key, input.mirror[name].path.replace(/^\/+/, '')))
    }
  }
  return [...new Set(out)]
}

/** The secrets of the catalogue sealed for `role`: the values its kms:Decrypt condition allows. */
export function sealedFor(role: AssetRole): string[] {
  return ASSET_CATALOG.filter((a) => a.secret && a.roles.includes(role))
    .map((a) => a.name)
    .sort()
}

function readBootObjects(input: RolePolicyInput): PolicyStatement[] {
  const objects = bootObjects(input)
  return objects.length === 0
    ? []
    : [{Sid: 'ReadBootObjects', Effect: 'Allow', Action: ['s3:GetObject'], Resource: objects}]
}

/**
 * The control plane's own records under `<cluster>/control-plane/` (the init-once claim of
 * src/lifecycle/init-once.ts, written with If-None-Match, which needs only s3:PutObject).
 */
export function controlPlaneRecords(input: RolePolicyInput): PolicyStatement[] {
  const store = input.stateStore ? parseS3Url(input.stateStore) : undefined
  if (!store) return []
  const objects = s3ObjectArn(
    partition(input.region),
    store.bucket,
    store.key,
    input.cluster,
    'control-plane',
    '*',
  )
  return [
    {
      Sid: 'ControlPlaneRecords',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: [objects],
    },
    // `kforge etcd restore` at the boot after `kforge restore cluster` reads the backup it names;
    // the scheduled `kforge etcd backup` writes backups and prunes them by retention.
    {
      Sid: 'EtcdBackups',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: [
        s3ObjectArn(partition(input.region), store.bucket, store.key, input.cluster, 'backups', 'etcd', '*'),
      ],
    },
    // S3 answers a read of a missing key with 404 only to a caller that may list the bucket, and
    // with 403 to any other: the init claim and the restore check read keys that are absent until
    // written, and must tell "absent" from "refused". S3 checks that listing right without a
    // prefix, so an `s3:prefix` condition cannot narrow it; it shows key names (not contents), as
    // kops's control-plane role may. Pruning the backups lists them too.
    {
      Sid: 'ListStateStore',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [`arn:${partition(input.region)}:s3:::${store.bucket}`],
    },
  ]
}

/**
 * The etcd backups are sealed as `etcd-backup/<id>` (src/lifecycle/etcd-backups.ts): opened at a
 * restore, sealed (a data key per backup) by the scheduled backup.
 */
function decryptEtcdBackups(input: RolePolicyInput): PolicyStatement {
  return {
    Sid: 'SealAndOpenEtcdBackups',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: input.key,
    Condition: {
      StringEquals: {'kms:EncryptionContext:kforge.dev/cluster': input.cluster},
      StringLike: {'kms:EncryptionContext:kforge.dev/asset': 'etcd-backup/*'},
    },
  }
}

/**
 * The role's files: its bundle objects under `<cluster>/secrets/<role>/` (src/assets/secrets-bundle.ts)
 * and kms:Decrypt of what is sealed in them, only under the role's own encryption context. Nodes
 * have no file sealed for them (they join through node identity): neither statement at all.
 */
function ownSecrets(input: RolePolicyInput, role: AssetRole): PolicyStatement[] {
  if (sealedFor(role).length === 0) return []
  const store = input.stateStore ? parseS3Url(input.stateStore) : undefined
  const read: PolicyStatement[] = store
    ? [
        {
          Sid: 'ReadOwnSecrets',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [
            s3ObjectArn(
              partition(input.region),
              store.bucket,
              store.key,
              `${secretsPrefix(input.cluster, role)}*`,
            ),
          ],
        },
      ]
    : []
  return [
    ...read,
    {
      Sid: 'DecryptOwnSecrets',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: input.key,
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:kforge.dev/cluster': input.cluster,
          'kms:EncryptionContext:kforge.dev/role': role,
          'kms:EncryptionContext:kforge.dev/asset': sealedFor(role),
        },
      },
    },
  ]
}

/** What the EBS CSI controller reads (the upstream driver's example policy, without wildcards). */
const EBS_CSI_DESCRIBE = [
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeInstances',
  'ec2:DescribeSnapshots',
  'ec2:DescribeTags',
  'ec2:DescribeVolumes',
  'ec2:DescribeVolumesModifications',
]

/**
 * What the AWS cloud provider reads, and the control plane's boot (its etcd volume: on-instance/
 * etcd-volume.ts). The control-plane role reads the driver's list too, whichever role the
 * controller runs under: reads change nothing, and the etcd attach needs most of them anyway.
 */
const CONTROL_PLANE_DESCRIBE = union(
  [
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeLaunchConfigurations',
    'autoscaling:DescribeTags',
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeInstanceTypes',
    'ec2:DescribeInstances',
    'ec2:DescribeRegions',
    'ec2:DescribeRouteTables',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVolumes',
    'ec2:DescribeVpcs',
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeLoadBalancerAttributes',
    'elasticloadbalancing:DescribeLoadBalancerPolicies',
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeTags',
    'elasticloadbalancing:DescribeTargetGroupAttributes',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
  ],
  EBS_CSI_DESCRIBE,
)

/** The EBS CSI controller's changes to a volume of this cluster (attach: the instance's too). */
const EBS_CSI_CHANGE_OWNED = ['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume']

/**
 * Changes to a resource that already carries the cluster's tag, made by the cloud provider, the
 * autoscaler and the control plane's boot (which attaches its etcd volume). The driver's volume
 * changes join them only while the controller runs under this role.
 */
const CONTROL_PLANE_CHANGE_OWNED = [
  'autoscaling:SetDesiredCapacity',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'ec2:AttachVolume',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateRoute',
  'ec2:DeleteRoute',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteSnapshot',
  'ec2:ModifyInstanceAttribute',
  'ec2:RevokeSecurityGroupIngress',
  'elasticloadbalancing:ApplySecurityGroupsToLoadBalancer',
  'elasticloadbalancing:AttachLoadBalancerToSubnets',
  'elasticloadbalancing:ConfigureHealthCheck',
  'elasticloadbalancing:CreateListener',
  'elasticloadbalancing:CreateLoadBalancerListeners',
  'elasticloadbalancing:CreateLoadBalancerPolicy',
  'elasticloadbalancing:DeleteListener',
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteLoadBalancerListeners',
  'elasticloadbalancing:DeleteTargetGroup',
  'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:DetachLoadBalancerFromSubnets',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyLoadBalancerAttributes',
  'elasticloadbalancing:ModifyTargetGroup',
  'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer',
  'elasticloadbalancing:SetLoadBalancerPoliciesOfListener',
]

/** Both lists, once each, sorted: documents stay byte-stable whatever order they were built in. */
function union(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat())].sort()
}

/** An EC2 resource type's ARNs in the input's region, any account. */
function ec2Arn(input: Pick<RolePolicyInput, 'region'>, type: string): string {
  return `arn:${partition(input.region)}:ec2:${input.region}:*:${type}/*`
}

/** Changes only to resources that already carry this cluster's tag. */
function changeOwned(sid: string, actions: string[], cluster: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: '*',
    Condition: {StringEquals: {[`aws:ResourceTag/${CLUSTER_TAG}`]: cluster}},
  }
}

/**
 * Tags written by a create request are authorized as ec2:CreateTags: allowed only inside one of
 * `createActions`, and only with this cluster's tag.
 */
function tagOnCreate(
  sid: string,
  resources: string[],
  createActions: string[],
  cluster: string,
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['ec2:CreateTags'],
    Resource: resources,
    Condition: {
      StringEquals: {
        'ec2:CreateAction': createActions,
        [`aws:RequestTag/${CLUSTER_TAG}`]: cluster,
      },
    },
  }
}

/** Other tags on this cluster's resources (PVC names, ...), never the cluster tag itself. */
function retagOwnedKeepingCluster(sid: string, resources: string[], cluster: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
    Resource: resources,
    Condition: {
      StringEquals: {[`aws:ResourceTag/${CLUSTER_TAG}`]: cluster},
      // Neither set nor remove the cluster tag: a resource never moves into or out of the cluster.
      'ForAllValues:StringNotEquals': {'aws:TagKeys': [CLUSTER_TAG]},
    },
  }
}

/**
 * The node agent's termination watcher completes its own group's termination hook once its node
 * is drained, and records heartbeats while a long drain runs (docs/termination.md). Only on the
 * role's own groups, by ARN, and only while they carry this cluster's tag.
 */
function completeLifecycleActions(input: RolePolicyInput): PolicyStatement[] {
  const p = partition(input.region)
  const groups = input.groups.map(
    (g) =>
      `arn:${p}:autoscaling:${input.region}:*:autoScalingGroup:*:autoScalingGroupName/${awsNames.autoScalingGroup(g, input.cluster)}`,
  )
  if (groups.length === 0) return []
  return [
    {
      Sid: 'CompleteOwnLifecycleActions',
      Effect: 'Allow',
      Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
      Resource: groups,
      Condition: {StringEquals: {[`aws:ResourceTag/${CLUSTER_TAG}`]: input.cluster}},
    },
  ]
}

/** The tag the EBS CSI driver puts on every volume it creates, whatever its flags. */
export const EBS_CSI_VOLUME_TAG = 'ebs.csi.aws.com/cluster'

/**
 * The EBS CSI controller creates and deletes volumes only as the driver: with its own tag and,
 * through `--k8s-tag-cluster-id`, this cluster's. Deleting needs both too, so its role can never
 * delete a volume the driver did not make, such as an etcd member's. The one source of these two
 * statements, for whichever role the controller runs under (the control plane's, or its own).
 */
function ebsCsiVolumeLifecycle(input: Pick<RolePolicyInput, 'cluster'>, volumes: string): PolicyStatement[] {
  const tags = (kind: 'RequestTag' | 'ResourceTag') => ({
    StringEquals: {
      [`aws:${kind}/${CLUSTER_TAG}`]: input.cluster,
      [`aws:${kind}/${EBS_CSI_VOLUME_TAG}`]: 'true',
    },
  })
  return [
    {
      Sid: 'EbsCsiCreateVolume',
      Effect: 'Allow',
      Action: ['ec2:CreateVolume'],
      Resource: volumes,
      Condition: tags('RequestTag'),
    },
    {
      Sid: 'EbsCsiDeleteVolume',
      Effect: 'Allow',
      Action: ['ec2:DeleteVolume'],
      Resource: volumes,
      Condition: tags('ResourceTag'),
    },
  ]
}

/**
 * The EBS CSI controller's own role (IRSA): everything the driver's controller calls, and nothing
 * else. Attaching, detaching and resizing only this cluster's volumes (to its instances), and the
 * same volume lifecycle statements the control-plane role carries without IRSA.
 */
export function ebsCsiControllerPolicy(input: Pick<RolePolicyInput, 'cluster' | 'region'>): PolicyDocument {
  const volumes = ec2Arn(input, 'volume')
  return {
    Version: '2012-10-17',
    Statement: [
      // Describe actions support no resource-level permissions.
      {Sid: 'EbsCsiDescribe', Effect: 'Allow', Action: EBS_CSI_DESCRIBE, Resource: '*'},
      changeOwned('EbsCsiChangeOwned', EBS_CSI_CHANGE_OWNED, input.cluster),
      tagOnCreate('EbsCsiTagOnCreate', [volumes], ['CreateVolume'], input.cluster),
      retagOwnedKeepingCluster('EbsCsiRetagOwnedKeepingCluster', [volumes], input.cluster),
      ...ebsCsiVolumeLifecycle(input, volumes),
    ],
  }
}

function controlPlane(input: RolePolicyInput): PolicyStatement[] {
  const p = partition(input.region)
  const elb = (type: string) => `arn:${p}:elasticloadbalancing:${input.region}:*:${type}/*`
  const taggedResources = [
    ec2Arn(input, 'volume'),
    ec2Arn(input, 'snapshot'),
    ec2Arn(input, 'security-group'),
  ]
  // With its own role the controller takes its volume statements with it: this role then creates,
  // deletes, detaches and resizes no volume (it still attaches its etcd volume at boot).
  const driverHere = !input.ebsCsiOwnRole
  return [
    {
      Sid: 'Describe',
      Effect: 'Allow',
      Action: CONTROL_PLANE_DESCRIBE,
      // Describe and List actions support no resource-level permissions.
      Resource: '*',
    },
    {
      Sid: 'CreateTaggedForCluster',
      Effect: 'Allow',
      Action: [
        'ec2:CreateSecurityGroup',
        'ec2:CreateSnapshot',
        'elasticloadbalancing:CreateLoadBalancer',
        'elasticloadbalancing:CreateTargetGroup',
      ],
      Resource: '*',
      Condition: {StringEquals: {[`aws:RequestTag/${CLUSTER_TAG}`]: input.cluster}},
    },
    tagOnCreate(
      'TagOnCreate',
      taggedResources,
      ['CreateSecurityGroup', 'CreateSnapshot', ...(driverHere ? ['CreateVolume'] : [])],
      input.cluster,
    ),
    {
      Sid: 'TagLoadBalancerOnCreate',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags'],
      Resource: [elb('loadbalancer'), elb('targetgroup')],
      Condition: {
        StringEquals: {
          'elasticloadbalancing:CreateAction': ['CreateLoadBalancer', 'CreateTargetGroup'],
          [`aws:RequestTag/${CLUSTER_TAG}`]: input.cluster,
        },
      },
    },
    retagOwnedKeepingCluster('RetagOwnedKeepingCluster', taggedResources, input.cluster),
    changeOwned(
      'ChangeOwned',
      union(CONTROL_PLANE_CHANGE_OWNED, driverHere ? EBS_CSI_CHANGE_OWNED : []),
      input.cluster,
    ),
    {
      Sid: 'LoadBalancerServiceRole',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: `arn:${p}:iam::*:role/aws-service-role/elasticloadbalancing.amazonaws.com/*`,
      Condition: {StringEquals: {'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com'}},
    },
    ...(driverHere ? ebsCsiVolumeLifecycle(input, ec2Arn(input, 'volume')) : []),
    ...completeLifecycleActions(input),
    ...readBootObjects(input),
    ...controlPlaneRecords(input),
    ...ownSecrets(input, 'control-plane'),
    decryptEtcdBackups(input),
  ]
}

function nodes(input: RolePolicyInput): PolicyStatement[] {
  return [
    {
      Sid: 'Describe',
      Effect: 'Allow',
      Action: ['ec2:DescribeInstances', 'ec2:DescribeRegions'],
      Resource: '*',
    },
    {
      Sid: 'PullImages',
      Effect: 'Allow',
      Action: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetAuthorizationToken',
        'ecr:GetDownloadUrlForLayer',
      ],
      Resource: '*',
    },
    ...completeLifecycleActions(input),
    ...readBootObjects(input),
    ...ownSecrets(input, 'node'),
  ]
}

/** The role's inline policy, or undefined when it needs none (the bastion: no permissions at all). */
export function instanceRolePolicy(role: IamRole, input: RolePolicyInput): PolicyDocument | undefined {
  switch (role) {
    case 'control-plane':
      return {Version: '2012-10-17', Statement: controlPlane(input)}
    case 'nodes':
      return {Version: '2012-10-17', Statement: nodes(input)}
    case 'bastion':
      return undefined
    default: {
      const never: never = role
      throw new Error(`unknown role ${String(never)}`)
    }
  }
}
