/** InstanceGroup rules, and the etcd quorum across the control-plane groups. */

import {
  AWS_ID,
  AWS_MAX_TAGS,
  awsTagKeyProblem,
  awsTagValueProblem,
  DNS_LABEL_RULE,
  isDnsLabel,
  labelKeyProblem,
  labelValueProblem,
} from '../names.js'
import type {Path, Problems, Subject} from '../problems.js'
import {subnetTypeFor} from './defaults.js'
import type {Cluster, ImageSpec, InstanceGroup} from './types.js'
import {checkCloudConfigFragment} from './validate-boot.js'

/**
 * The most tags kforge itself puts on a group's auto-scaling group and instances: KubernetesCluster,
 * Name, the cluster's ownership tag, kforge.dev/resource, kforge.dev/instancegroup, and either two
 * role tags (control plane) or one plus cluster-autoscaler's two discovery tags (nodes). The
 * resource model's test holds the builder to it.
 */
export const KFORGE_GROUP_TAGS = 8
/**
 * Tags on the auto-scaling group only, never propagated to its instances: the record of its
 * termination hook (`kforge.dev/lifecycle-hook`), on every group but a bastion's.
 */
export const KFORGE_GROUP_ONLY_TAGS = 1

export function validateGroups(cluster: Cluster, problems: Problems): void {
  const c: Subject = {kind: 'Cluster', name: cluster.name}
  const controlPlane = cluster.instanceGroups.filter((ig) => ig.spec.role === 'control-plane')
  if (controlPlane.length === 0) {
    problems.about(
      c,
      'no InstanceGroup has spec.role: control-plane (etcd and the API server need at least one)',
    )
  } else {
    const total = controlPlane.reduce((sum, ig) => sum + ig.spec.minSize, 0)
    if (total % 2 === 0 || total > 7) {
      const names = controlPlane.map((ig) => `"${ig.name}"`).join(', ')
      const terms = controlPlane.every((ig) => ig.spec.minSize === 1)
        ? `one node in each of InstanceGroups ${names}`
        : controlPlane.map((ig) => `InstanceGroup "${ig.name}" spec.minSize ${ig.spec.minSize}`).join(' + ')
      problems.about(
        c,
        `control-plane size must be odd and at most 7 for etcd quorum (1, 3, 5 or 7), got ${total} (${terms})`,
      )
    }
  }
  const bastions = cluster.instanceGroups.filter((ig) => ig.spec.role === 'bastion')
  if (cluster.spec.topology.bastion && bastions.length === 0) {
    problems.field(c, ['spec', 'topology', 'bastion'], 'is true but no InstanceGroup has spec.role: bastion')
  }
  for (const ig of cluster.instanceGroups) validateGroup(cluster, ig, problems)
}

function validateGroup(cluster: Cluster, ig: InstanceGroup, problems: Problems): void {
  const g: Subject = {kind: 'InstanceGroup', name: ig.name}
  const s = ig.spec
  const topology = cluster.spec.topology
  if (!isDnsLabel(ig.name))
    problems.field(g, ['metadata', 'name'], `("${ig.name}") is not a DNS label (${DNS_LABEL_RULE})`)
  if (s.role === 'bastion' && !topology.bastion) {
    problems.field(
      g,
      ['spec', 'role'],
      `(bastion) needs spec.topology.bastion: true in Cluster "${cluster.name}"`,
    )
  }
  if (!AWS_ID.instanceType.test(s.machineType)) {
    problems.field(
      g,
      ['spec', 'machineType'],
      `("${s.machineType}") is not an EC2 instance type like t3.medium`,
    )
  }
  if (s.role === 'control-plane') {
    checkControlPlaneSize(ig, g, problems)
    if (s.subnets.length > 1) {
      problems.field(
        g,
        ['spec', 'subnets'],
        `must name exactly one subnet in a control-plane group, got ${s.subnets.length} (${s.subnets.join(', ')}); use one group per control-plane node, each in its zone's subnet`,
      )
    }
  } else {
    if (s.minSize < 0) problems.field(g, ['spec', 'minSize'], `(${s.minSize}) must be >= 0`)
    if (s.maxSize < s.minSize)
      problems.field(g, ['spec', 'maxSize'], `(${s.maxSize}) must be >= spec.minSize (${s.minSize})`)
  }
  if (s.subnets.length === 0) problems.field(g, ['spec', 'subnets'], 'must name at least one subnet')
  const expected = subnetTypeFor(s.role, topology.type)
  s.subnets.forEach((name, i) => {
    const subnet = cluster.spec.networking.subnets.find((sub) => sub.name === name)
    const names = cluster.spec.networking.subnets.map((sub) => sub.name).join(', ')
    if (!subnet) {
      problems.field(
        g,
        ['spec', 'subnets', i],
        `("${name}") is not a subnet of Cluster "${cluster.name}" (subnets: ${names})`,
      )
    } else if (subnet.type !== expected) {
      problems.field(
        g,
        ['spec', 'subnets', i],
        `("${name}") is a ${subnet.type} subnet; a ${s.role} group in a ${topology.type} topology goes in ${expected} subnets`,
      )
    }
  })
  if (s.image) checkImage(s.image, ['spec', 'image'], g, problems)
  if (s.rootVolume.size < 8 || s.rootVolume.size > 16384) {
    problems.field(
      g,
      ['spec', 'rootVolume', 'size'],
      `(${s.rootVolume.size}) must be between 8 and 16384 (GiB)`,
    )
  }
  checkLabels(s.nodeLabels, ['spec', 'nodeLabels'], g, problems)
  const seenTaints = new Set<string>()
  s.taints.forEach((t, i) => {
    const keyProblem = labelKeyProblem(t.key)
    if (keyProblem) problems.field(g, ['spec', 'taints', i, 'key'], `("${t.key}") ${keyProblem}`)
    const valueProblem = t.value === undefined ? undefined : labelValueProblem(t.value)
    if (valueProblem) problems.field(g, ['spec', 'taints', i, 'value'], `("${t.value}") ${valueProblem}`)
    const id = `${t.key}:${t.effect}`
    if (seenTaints.has(id))
      problems.field(g, ['spec', 'taints', i], `repeats key "${t.key}" with effect ${t.effect}`)
    seenTaints.add(id)
  })
  for (const [key, value] of Object.entries(s.cloudLabels)) {
    const at: Path = ['spec', 'cloudLabels', key]
    const keyProblem = awsTagKeyProblem(key)
    if (keyProblem) problems.field(g, at, keyProblem)
    const valueProblem = awsTagValueProblem(value)
    if (valueProblem) problems.field(g, at, `(${JSON.stringify(value)}) ${valueProblem}`)
  }
  // The group's instances carry kforge's tags, one per node label and taint (cluster-autoscaler's
  // node templates) and the cloud labels; the group itself one more (its hook's record): AWS
  // refuses a resource with more than 50.
  const templates = s.role === 'node' ? Object.keys(s.nodeLabels).length + s.taints.length : 0
  const kforge = KFORGE_GROUP_TAGS + (s.role === 'bastion' ? 0 : KFORGE_GROUP_ONLY_TAGS)
  const count = kforge + templates + Object.keys(s.cloudLabels).length
  if (count > AWS_MAX_TAGS) {
    problems.field(
      g,
      ['spec', 'cloudLabels'],
      `would give the group ${count} tags (kforge's ${kforge}, ${templates} for spec.nodeLabels and spec.taints, ${Object.keys(s.cloudLabels).length} cloud labels); AWS allows ${AWS_MAX_TAGS} per resource`,
    )
  }
  if (s.additionalCloudConfig !== undefined)
    checkCloudConfigFragment(s.additionalCloudConfig, ['spec', 'additionalCloudConfig'], g, problems)
}

/**
 * One group per control-plane node, as kops does: an Auto Scaling group of one replaces its
 * instance in place, so each node keeps its etcd member, volume and identity, and the renderer
 * can make exactly one instance (the first control-plane group's) run `kforge init`.
 */
function checkControlPlaneSize(ig: InstanceGroup, g: Subject, problems: Problems): void {
  const {minSize, maxSize} = ig.spec
  if (minSize === 1 && maxSize === 1) return
  const why =
    'in a control-plane group: kforge runs one group per control-plane node, so each keeps its etcd ' +
    'member and identity when its instance is replaced, and the first control-plane group runs ' +
    '`kforge init`; add one group per extra node instead (as create cluster does: ' +
    'control-plane-<zone>-1, control-plane-<zone>-2, ...)'
  // Equal sizes are one mistake ("3 nodes in this group"): report it once.
  const same = minSize === maxSize
  if (minSize !== 1) {
    const and = same ? ` and spec.maxSize (${maxSize})` : ''
    problems.field(g, ['spec', 'minSize'], `(${minSize})${and} must be 1 ${why}`)
  }
  if (maxSize !== 1 && !same) problems.field(g, ['spec', 'maxSize'], `(${maxSize}) must be 1 ${why}`)
}

export function checkLabels(
  labels: Record<string, string>,
  at: Path,
  subject: Subject,
  problems: Problems,
): void {
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = labelKeyProblem(key)
    if (keyProblem) problems.field(subject, [...at, key], keyProblem)
    const valueProblem = labelValueProblem(value)
    if (valueProblem) problems.field(subject, [...at, key], `("${value}") ${valueProblem}`)
  }
}

export function checkImage(image: ImageSpec, at: Path, subject: Subject, problems: Problems): void {
  if ((image.id === undefined) === (image.lookup === undefined)) {
    problems.field(subject, at, 'must set exactly one of id or lookup')
  } else if (image.id !== undefined && !AWS_ID.ami.test(image.id)) {
    problems.field(subject, [...at, 'id'], `("${image.id}") is not an AMI id like ami-0123456789abcdef0`)
  }
}
