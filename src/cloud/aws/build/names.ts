/** Logical names (model keys, CloudFormation ids) and AWS names with their length limits. */
import {createHash} from 'node:crypto'
import type {InstanceGroupRole} from '../../../api/v1alpha1/types.js'

export type SgRole = 'control-plane' | 'nodes' | 'bastion' | 'api-lb'

export const ROLE_SG: Record<InstanceGroupRole, SgRole> = {
  'control-plane': 'control-plane',
  node: 'nodes',
  bastion: 'bastion',
}

/** The IAM role (and profile) an instance-group role uses; one per role, however many groups. */
export const ROLE_IAM: Record<InstanceGroupRole, 'control-plane' | 'nodes' | 'bastion'> = {
  'control-plane': 'control-plane',
  node: 'nodes',
  bastion: 'bastion',
}

export const names = {
  vpc: 'vpc',
  igw: 'igw',
  igwAttachment: 'igw-attachment',
  subnet: (subnet: string) => `subnet-${subnet}`,
  publicRouteTable: 'rtb-public',
  publicDefaultRoute: 'route-public-default',
  privateRouteTable: (zone: string) => `rtb-private-${zone}`,
  privateDefaultRoute: (zone: string) => `route-private-${zone}-default`,
  association: (subnet: string) => `rtba-${subnet}`,
  natEip: (zone: string) => `eip-nat-${zone}`,
  nat: (zone: string) => `nat-${zone}`,
  sg: (role: SgRole) => `sg-${role}`,
  role: (role: string) => `role-${role}`,
  policy: (role: string) => `policy-${role}`,
  profile: (role: string) => `profile-${role}`,
  kmsKey: 'kms-key',
  kmsAlias: 'kms-alias',
  storeObjects: 'state-store-objects',
  keyPair: 'keypair',
  launchTemplate: (group: string) => `lt-${group}`,
  asg: (group: string) => `asg-${group}`,
  lifecycleHook: (group: string) => `hook-${group}`,
  etcdVolume: (member: string) => `etcd-${member}`,
  apiLoadBalancer: 'api-lb',
  apiTargetGroup: 'api-tg',
  apiListener: 'api-listener',
  hostedZone: 'dns-zone',
  apiRecord: 'dns-api',
  apiInternalRecord: 'dns-api-internal',
  issuerDocuments: 'issuer-documents',
  oidcProvider: 'oidc-provider',
  serviceAccountRole: (namespace: string, name: string) => `role-sa-${namespace}-${name}`,
  /** An inline policy kforge writes on a service account's role (the EBS CSI controller's). */
  serviceAccountPolicy: (namespace: string, name: string) => `policy-sa-${namespace}-${name}`,
}

/** Characters of the cluster-name hash every AWS name carries (40 bits of SHA-256). */
export const NAME_HASH_LENGTH = 10

/** A short hash of the whole cluster name: what keeps two clusters' AWS names apart. */
export function clusterHash(cluster: string): string {
  return createHash('sha256').update(cluster).digest('hex').slice(0, NAME_HASH_LENGTH)
}

/** What an AWS service accepts in a name: how long, and which characters. */
export interface NameRule {
  readonly max: number
  /** One character the service refuses; each becomes '-'. */
  readonly refused: RegExp
}

/** The limits kforge's names live within (AWS API references, 2026). */
export const NAME_RULES = {
  /** KMS alias: 256 characters of [a-zA-Z0-9/_-], `alias/` included. */
  kmsAlias: {max: 256, refused: /[^a-zA-Z0-9/_-]/g},
  /** ELBv2 load balancer and target group: 32 characters of [a-zA-Z0-9-], no '-' at either end. */
  elb: {max: 32, refused: /[^a-zA-Z0-9-]/g},
  /** IAM role (64, [\w+=,.@-]); the instance profile shares its name (limit 128). */
  iamRole: {max: 64, refused: /[^\w+=,.@-]/g},
  /** EC2 launch template: 128 characters of [a-zA-Z0-9().\-/_]. */
  launchTemplate: {max: 128, refused: /[^a-zA-Z0-9().\-/_]/g},
  /** Auto Scaling group: 255 characters (no ':' — it would read as part of an ARN). */
  autoScalingGroup: {max: 255, refused: /[^\x20-\x39\x3b-\x7e]/g},
  /** EC2 security group: 255 characters, no leading `sg-` (the prefixes here never start so). */
  securityGroup: {max: 255, refused: /[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g},
  /** Auto Scaling lifecycle hook: 255 characters of [A-Za-z0-9_/-] (kforge's names need no '/'). */
  lifecycleHook: {max: 255, refused: /[^A-Za-z0-9_-]/g},
  /** EC2 key pair: 255 ASCII characters. */
  keyPair: {max: 255, refused: /[^\x20-\x7e]/g},
  /** CloudFormation stack: 128 characters of [a-zA-Z0-9-], starting with a letter (the prefix does). */
  cloudFormationStack: {max: 128, refused: /[^a-zA-Z0-9-]/g},
} as const satisfies Record<string, NameRule>

/**
 * `<prefix><separator><cluster, readable>-<hash of the cluster name>` within the rule's length.
 *
 * Why always the hash: the readable part is lossy — ELB and KMS names have no '.', so
 * `demo.example.com` and `demo-example.com` read the same; IAM compares names case-blind; long
 * names are cut — and a name two clusters share means one cluster adopting, re-tagging or deleting
 * the other's resource. The hash of the full name, always last, keeps every name injective for a
 * given prefix; the readable part is only for people.
 */
export function clusterScopedName(prefix: string, cluster: string, rule: NameRule, separator = '-'): string {
  const suffix = `-${clusterHash(cluster)}`
  const room = rule.max - prefix.length - separator.length - suffix.length
  if (room < 0) throw new Error(`name prefix "${prefix}" leaves no room within ${rule.max} characters`)
  const readable = cluster
    .replace(rule.refused, '-')
    .slice(0, room)
    .replace(/[-.]+$/, '')
  return readable === '' ? `${prefix}${suffix}` : `${prefix}${separator}${readable}${suffix}`
}

/** Every AWS name kforge derives from a cluster name: one place, so no two can drift apart. */
export const awsNames = {
  kmsAlias: (cluster: string) => clusterScopedName('alias/kforge', cluster, NAME_RULES.kmsAlias, '/'),
  apiLoadBalancer: (cluster: string) => clusterScopedName('api', cluster, NAME_RULES.elb),
  apiTargetGroup: (cluster: string) => clusterScopedName('tg-api', cluster, NAME_RULES.elb),
  /** The role and its instance profile: `control-plane.<cluster>-<hash>`. */
  instanceRole: (role: string, cluster: string) => clusterScopedName(role, cluster, NAME_RULES.iamRole, '.'),
  launchTemplate: (group: string, cluster: string) =>
    clusterScopedName(group, cluster, NAME_RULES.launchTemplate, '.'),
  autoScalingGroup: (group: string, cluster: string) =>
    clusterScopedName(group, cluster, NAME_RULES.autoScalingGroup, '.'),
  /**
   * A service account's role: `<name>.<namespace>.sa-<hash of both>.<cluster>-<hash>` (kops's
   * `<name>.<namespace>.sa.<cluster>`, cut to IAM's 64): the readable part is cut to 24, the
   * hash keeps two service accounts apart however their names are cut.
   */
  serviceAccountRole: (namespace: string, name: string, cluster: string) => {
    const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 6)
    const readable = `${name}.${namespace}`.replace(NAME_RULES.iamRole.refused, '-').slice(0, 24)
    return clusterScopedName(`${readable}.sa-${hash}`, cluster, NAME_RULES.iamRole, '.')
  },
  securityGroup: (role: SgRole, cluster: string) =>
    clusterScopedName(role, cluster, NAME_RULES.securityGroup, '.'),
  keyPair: (cluster: string) => clusterScopedName('kforge', cluster, NAME_RULES.keyPair),
  /** The cluster's stack (`update cluster --target cloudformation`): `kforge-demo-example-com-<hash>`. */
  cloudFormationStack: (cluster: string) =>
    clusterScopedName('kforge', cluster, NAME_RULES.cloudFormationStack),
  /** The termination hook: the same name on each of the cluster's groups (hooks are per group). */
  lifecycleHook: (cluster: string) => clusterScopedName('kforge-drain', cluster, NAME_RULES.lifecycleHook),
}
