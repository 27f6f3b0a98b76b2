/**
 * What the cluster runs, as the cloud reports it: its auto-scaling groups (found by the cluster's
 * `owned` tag) with the launch template version each points at, and every live instance with the
 * version it was launched from. That version is read from the `aws:ec2launchtemplate:version`
 * tag EC2 puts on each instance launched from a template, because the emulator's ASG describes
 * every member with the group's *current* version; the ASG's own answer is the fallback.
 * Instances a rolling update detached from their group (tagged `kforge.dev/detached-from-asg`)
 * are listed apart: they still have to be drained and terminated.
 */
import type {AutoScalingGroup} from '@aws-sdk/client-auto-scaling'
import type {Instance} from '@aws-sdk/client-ec2'
import type {Cluster, InstanceGroupRole} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import {clusterTagKey, DETACHED_TAG, fromTagList, INSTANCE_GROUP_TAG} from '../cloud/aws/tags.js'

const LT_ID_TAG = 'aws:ec2launchtemplate:id'
const LT_VERSION_TAG = 'aws:ec2launchtemplate:version'

export interface InstanceInfo {
  id: string
  /** Instance group name (the `kforge.dev/instancegroup` tag). */
  group: string
  /** The ASG it is a member of; undefined when detached. */
  asg?: string
  zone: string
  /** EC2 state: pending, running, stopping, stopped. */
  state: string
  /** ASG lifecycle state: Pending, InService, Terminating... (members only). */
  lifecycle?: string
  health?: string
  privateDns: string
  launchTemplateId?: string
  /** The version it was launched from. */
  launchTemplateVersion?: string
  /** The ASG it was detached from by a rolling update. */
  detachedFrom?: string
}

export interface GroupInfo {
  /** Instance group name. */
  name: string
  asg: string
  role: InstanceGroupRole
  desired: number
  min: number
  max: number
  launchTemplateId: string
  /** The number the group launches now (`$Latest`/`$Default` resolved). */
  launchTemplateVersion: string
  instances: InstanceInfo[]
}

export interface Inventory {
  groups: GroupInfo[]
  /** Detached by an earlier rolling update and still running. */
  detached: InstanceInfo[]
}

const LIVE = ['pending', 'running', 'stopping', 'stopped']

function roleFromTags(tags: Record<string, string>): InstanceGroupRole {
  if (tags['k8s.io/role/control-plane'] || tags['k8s.io/role/master']) return 'control-plane'
  if (tags['k8s.io/role/bastion']) return 'bastion'
  return 'node'
}

async function listGroups(aws: AwsClients, cluster: string): Promise<AutoScalingGroup[]> {
  const {paginateDescribeAutoScalingGroups} = await import('@aws-sdk/client-auto-scaling')
  const client = await aws.autoScaling()
  const out: AutoScalingGroup[] = []
  for await (const page of paginateDescribeAutoScalingGroups(
    {client},
    {Filters: [{Name: `tag:${clusterTagKey(cluster)}`, Values: ['owned']}], MaxRecords: 100},
  )) {
    out.push(...(page.AutoScalingGroups ?? []))
  }
  return out
}

async function listInstances(aws: AwsClients, cluster: string): Promise<Instance[]> {
  const {paginateDescribeInstances} = await import('@aws-sdk/client-ec2')
  const client = await aws.ec2()
  const out: Instance[] = []
  for await (const page of paginateDescribeInstances(
    {client},
    {
      Filters: [
        {Name: `tag:${clusterTagKey(cluster)}`, Values: ['owned']},
        {Name: 'instance-state-name', Values: LIVE},
      ],
    },
  )) {
    for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []))
  }
  return out
}

/** `$Latest` / `$Default` → the number, with one DescribeLaunchTemplates for all that need it. */
async function resolveVersions(aws: AwsClients, groups: AutoScalingGroup[]): Promise<Map<string, string>> {
  const symbolic = groups
    .map((g) => g.LaunchTemplate)
    .filter(
      (lt) => lt?.LaunchTemplateId && (lt.Version === '$Latest' || lt.Version === '$Default' || !lt.Version),
    )
  const out = new Map<string, string>()
  if (symbolic.length === 0) return out
  const {DescribeLaunchTemplatesCommand} = await import('@aws-sdk/client-ec2')
  const res = await (await aws.ec2()).send(
    new DescribeLaunchTemplatesCommand({
      LaunchTemplateIds: [...new Set(symbolic.map((lt) => lt!.LaunchTemplateId!))],
    }),
  )
  for (const t of res.LaunchTemplates ?? []) {
    out.set(`${t.LaunchTemplateId}/$Latest`, String(t.LatestVersionNumber))
    out.set(`${t.LaunchTemplateId}/$Default`, String(t.DefaultVersionNumber))
    out.set(`${t.LaunchTemplateId}/`, String(t.DefaultVersionNumber))
  }
  return out
}

export async function readInventory(aws: AwsClients, cluster: Cluster): Promise<Inventory> {
  const [asgs, ec2s] = await Promise.all([listGroups(aws, cluster.name), listInstances(aws, cluster.name)])
  const versions = await resolveVersions(aws, asgs)
  const byId = new Map(ec2s.map((i) => [i.InstanceId!, i]))
  const members = new Set<string>()

  const describe = (i: Instance, extra: Partial<InstanceInfo>): InstanceInfo => {
    const tags = fromTagList(i.Tags)
    return {
      id: i.InstanceId!,
      group: tags[INSTANCE_GROUP_TAG] ?? '',
      zone: i.Placement?.AvailabilityZone ?? '',
      state: i.State?.Name ?? '',
      privateDns: i.PrivateDnsName ?? '',
      ...(tags[LT_ID_TAG] ? {launchTemplateId: tags[LT_ID_TAG]} : {}),
      ...(tags[LT_VERSION_TAG] ? {launchTemplateVersion: tags[LT_VERSION_TAG]} : {}),
      ...(tags[DETACHED_TAG] ? {detachedFrom: tags[DETACHED_TAG]} : {}),
      ...extra,
    }
  }

  const groups: GroupInfo[] = asgs.map((g) => {
    const tags = fromTagList(g.Tags)
    const name = tags[INSTANCE_GROUP_TAG] ?? g.AutoScalingGroupName!
    const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification
    const ltId = lt?.LaunchTemplateId ?? ''
    const version = versions.get(`${ltId}/${lt?.Version ?? ''}`) ?? lt?.Version ?? ''
    const instances: InstanceInfo[] = []
    for (const m of g.Instances ?? []) {
      const ec2 = byId.get(m.InstanceId!)
      if (!ec2) continue // terminated already: not live
      members.add(m.InstanceId!)
      const info = describe(ec2, {
        asg: g.AutoScalingGroupName!,
        ...(m.LifecycleState ? {lifecycle: m.LifecycleState} : {}),
        ...(m.HealthStatus ? {health: m.HealthStatus} : {}),
      })
      info.group ||= name
      info.launchTemplateId ??= m.LaunchTemplate?.LaunchTemplateId
      info.launchTemplateVersion ??= m.LaunchTemplate?.Version
      instances.push(info)
    }
    instances.sort((a, b) => a.id.localeCompare(b.id))
    const spec = cluster.instanceGroups.find((ig) => ig.name === name)
    return {
      name,
      asg: g.AutoScalingGroupName!,
      role: spec?.spec.role ?? roleFromTags(tags),
      desired: g.DesiredCapacity ?? 0,
      min: g.MinSize ?? 0,
      max: g.MaxSize ?? 0,
      launchTemplateId: ltId,
      launchTemplateVersion: version,
      instances,
    }
  })
  groups.sort((a, b) => a.name.localeCompare(b.name))
  const detached = ec2s
    .filter((i) => !members.has(i.InstanceId!) && fromTagList(i.Tags)[DETACHED_TAG] !== undefined)
    .map((i) => describe(i, {}))
    .sort((a, b) => a.id.localeCompare(b.id))
  return {groups, detached}
}

/** The role of a group name, for detached instances whose group may be gone. */
export function roleOf(inv: Inventory, cluster: Cluster, group: string): InstanceGroupRole {
  return (
    inv.groups.find((g) => g.name === group)?.role ??
    cluster.instanceGroups.find((g) => g.name === group)?.spec.role ??
    'node'
  )
}
