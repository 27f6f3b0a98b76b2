/**
 * `kforge upgrade cluster`: check the skew policy, print the plan, then — with --yes — store the
 * new version in the spec, apply it to the cloud (new launch template versions, through what `kforge update
 * cluster` runs), record it in kube-system/kubeadm-config, and move the
 * control plane first: by rolling its groups, or for a self-hosted control plane by retagging its
 * DaemonSets in place (no instance is replaced). Then kube-proxy, then the other groups. Running
 * it again with the same version continues a roll that stopped.
 */

import {loadSpec, renderSpec} from '../api/v1alpha1/index.js'
import type {Cluster} from '../api/v1alpha1/types.js'
import {etcdVersionFor} from '../api/versions.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {KubeClient} from '../kube/client.js'
import {Nodes} from '../kube/resources.js'
import {formatDuration} from '../kube/wait.js'
import {saveClusterSpec} from '../state/clusters.js'
import type {StateStore} from '../state/store.js'
import {KforgeError} from '../util/errors.js'
import {type Logger, silentLogger} from '../util/logger.js'
import {
  SELF_HOSTED_COMPONENTS,
  setClusterConfigVersion,
  setDaemonSetVersion,
  waitForRollout,
} from './in-cluster.js'
import type {KubeAccess} from './kube-access.js'
import {type RollingUpdateResult, rollingUpdate} from './rolling-update.js'
import {checkSkew, type UpgradeKind} from './skew.js'

export interface UpgradeOptions {
  store: StateStore
  aws: AwsClients
  kube: KubeAccess
  /** Upgrade without the API: only the spec, the cloud and a cloud-only roll. */
  cloudOnly: boolean
  yes: boolean
  allowPrerelease?: boolean
  /** Passed to the rolling updates. */
  maxSurge?: number
  maxUnavailable?: number
  drainTimeoutMs?: number
  validateTimeoutMs?: number
  intervalMs?: number
  /** Roll the control plane although etcd is not healthy (the roll guard). */
  forceUnhealthy?: boolean
  logger?: Logger
  /**
   * Plan (and with `yes`, apply) a spec against the cloud, returning the plan text — what
   * `kforge update cluster` does, so the launch templates come out the same. Default:
   * `updateCluster(cluster, {aws, yes, logger})`
   */
  update?: CloudUpdate
  /** Called with the plan text before anything changes. */
  onPlan?: (text: string) => void
}

export type CloudUpdate = (cluster: Cluster, options: {yes: boolean}) => Promise<string>

export interface UpgradePlan {
  cluster: string
  from: string
  to: string
  kind: UpgradeKind
  etcd: {from: string; to: string}
  controlPlane: {mode: 'roll' | 'self-hosted'; groups: string[]}
  nodeGroups: string[]
  /** Node name → kubelet version, when the API was read. */
  kubelets?: Record<string, string>
}

export interface UpgradeResult {
  plan: UpgradePlan
  applied: boolean
  steps: string[]
  rolls: RollingUpdateResult[]
}

function client(kube: KubeAccess, cloudOnly: boolean): KubeClient | undefined {
  return !cloudOnly && 'client' in kube ? kube.client : undefined
}

export function upgradedSpec(cluster: Cluster, version: string): Cluster {
  const next = structuredClone(cluster)
  next.spec.kubernetesVersion = version
  // An etcd version that was kubeadm's pairing for the old version follows to the new pairing; a pinned one stays.
  if (cluster.spec.etcd.version === etcdVersionFor(cluster.spec.kubernetesVersion)) {
    next.spec.etcd.version = etcdVersionFor(version)
  }
  return loadSpec(renderSpec(next), `${cluster.name} (upgraded to ${version})`)
}

async function kubeletVersions(kube: KubeClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const n of (await kube.list(Nodes)).items) {
    const v = n.status?.nodeInfo?.kubeletVersion
    if (v) out[n.metadata.name!] = v
  }
  return out
}

export function planText(p: UpgradePlan, cloudPlan: string): string {
  const lines = [
    `Upgrade cluster ${p.cluster}: ${p.from} -> ${p.to} (${p.kind === 'none' ? 'already at this version: continue the roll' : `${p.kind}, within the skew policy`})`,
    `  spec.kubernetesVersion: ${p.from} -> ${p.to}`,
  ]
  if (p.etcd.from !== p.etcd.to) lines.push(`  spec.etcd.version: ${p.etcd.from} -> ${p.etcd.to}`)
  lines.push(`  kube-system/kubeadm-config: kubernetesVersion -> ${p.to}`)
  if (p.controlPlane.mode === 'self-hosted') {
    lines.push(
      `  control plane (self-hosted): DaemonSets ${SELF_HOSTED_COMPONENTS.map((c) => `self-hosted-${c}`).join(', ')} retagged to ${p.to} in place; no instance replaced`,
    )
  } else {
    lines.push(
      `  control plane: roll ${p.controlPlane.groups.join(', ') || '(no groups)'}, one instance at a time`,
    )
  }
  lines.push(`  kube-proxy DaemonSet: image -> ${p.to}`)
  lines.push(`  then roll: ${p.nodeGroups.join(', ') || '(no other groups)'}`)
  if (p.kubelets)
    lines.push(`  kubelets now: ${[...new Set(Object.values(p.kubelets))].sort().join(', ') || '(no nodes)'}`)
  else lines.push('  kubelet versions not checked (no API access)')
  return `${lines.join('\n')}\n\nCloud changes:\n${cloudPlan}`
}

export async function upgradeCluster(
  cluster: Cluster,
  target: string,
  options: UpgradeOptions,
): Promise<UpgradeResult> {
  const logger = options.logger ?? silentLogger
  const skew = {
    current: cluster.spec.kubernetesVersion,
    target,
    ...(options.allowPrerelease ? {allowPrerelease: true} : {}),
  }
  // The policy first: a refused version needs no API access to be refused.
  checkSkew(skew)
  const kube = client(options.kube, options.cloudOnly)
  if (!options.cloudOnly && !kube) {
    const why = 'skipped' in options.kube ? options.kube.skipped : ''
    throw new KforgeError(
      `upgrade needs the Kubernetes API (to check the kubelets, record the version in kubeadm-config and drain nodes), but ${why}; ` +
        'pass --kubeconfig, or --cloudonly to upgrade the spec and replace instances without it',
    )
  }
  const kubelets = kube ? await kubeletVersions(kube) : undefined
  const kind = checkSkew({...skew, ...(kubelets ? {kubelets} : {})})
  const next = kind === 'none' ? cluster : upgradedSpec(cluster, target)
  const byRole = (role: string) => next.instanceGroups.filter((g) => g.spec.role === role).map((g) => g.name)
  const plan: UpgradePlan = {
    cluster: cluster.name,
    from: cluster.spec.kubernetesVersion,
    to: target,
    kind,
    etcd: {from: cluster.spec.etcd.version, to: next.spec.etcd.version},
    controlPlane: {mode: next.spec.selfHosted ? 'self-hosted' : 'roll', groups: byRole('control-plane')},
    nodeGroups: [...byRole('bastion'), ...byRole('node')],
    ...(kubelets ? {kubelets} : {}),
  }
  const update: CloudUpdate =
    options.update ??
    (async (c, {yes}) => {
      const {provisionCluster} = await import('../phases/cluster/provision.js')
      let text = ''
      await provisionCluster(c, {
        store: options.store,
        aws: options.aws,
        yes,
        logger,
        onPlan: (t) => (text = t),
      })
      return text
    })
  options.onPlan?.(planText(plan, await update(next, {yes: false})))
  const result: UpgradeResult = {plan, applied: false, steps: [], rolls: []}
  if (!options.yes) return result

  const step = (s: string) => {
    result.steps.push(s)
    logger.info(s)
  }
  if (plan.controlPlane.mode === 'roll' && plan.controlPlane.groups.length > 0) {
    // The roll guard before anything changes: an upgrade refused here leaves the spec as it was.
    const {guardControlPlane} = await import('./roll-guard.js')
    const {readInventory} = await import('./inventory.js')
    await guardControlPlane((await readInventory(options.aws, cluster)).groups, {
      cluster: cluster.name,
      kube,
      forceUnhealthy: options.forceUnhealthy === true,
      logger,
    })
  }
  if (kind !== 'none') {
    await saveClusterSpec(options.store, next)
    step(`stored spec.kubernetesVersion ${target}`)
  }
  await update(next, {yes: true})
  step('applied the spec to the cloud (launch templates)')
  if (kube) {
    if (await setClusterConfigVersion(kube, target))
      step(`kube-system/kubeadm-config: kubernetesVersion ${target}`)
    else
      logger.warn(
        'kube-system/kubeadm-config not found; control-plane nodes joining later read their version from it',
      )
  }
  const timeouts = {
    timeoutMs: options.validateTimeoutMs ?? 15 * 60_000,
    intervalMs: options.intervalMs ?? 2000,
  }
  const roll = async (groups: string[]) => {
    if (groups.length === 0) return
    const r = await rollingUpdate(next, {
      aws: options.aws,
      kube: options.kube,
      cloudOnly: options.cloudOnly,
      yes: true,
      instanceGroups: groups,
      ...(options.maxSurge !== undefined ? {maxSurge: options.maxSurge} : {}),
      ...(options.maxUnavailable !== undefined ? {maxUnavailable: options.maxUnavailable} : {}),
      ...(options.drainTimeoutMs !== undefined ? {drainTimeoutMs: options.drainTimeoutMs} : {}),
      ...(options.validateTimeoutMs !== undefined ? {validateTimeoutMs: options.validateTimeoutMs} : {}),
      ...(options.intervalMs !== undefined ? {intervalMs: options.intervalMs} : {}),
      ...(options.forceUnhealthy ? {forceUnhealthy: true} : {}),
      logger,
    })
    result.rolls.push(r)
    step(`rolled ${groups.join(', ')}: ${r.replaced.length} instances replaced`)
  }

  if (plan.controlPlane.mode === 'self-hosted') {
    if (!kube)
      throw new KforgeError(
        'a self-hosted control plane is upgraded through the API; --cloudonly cannot do it',
      )
    for (const component of SELF_HOSTED_COMPONENTS) {
      const name = `self-hosted-${component}`
      const changed = await setDaemonSetVersion(kube, name, target)
      if (changed === undefined)
        throw new KforgeError(`spec.selfHosted is true, but DaemonSet kube-system/${name} does not exist`)
      await waitForRollout(kube, name, timeouts).catch((err: Error) => {
        throw new KforgeError(
          `${err.message} (within ${formatDuration(timeouts.timeoutMs)}); re-run the upgrade to continue`,
        )
      })
      step(`DaemonSet kube-system/${name}: ${changed ? 'rolled out' : 'already'} at ${target}`)
    }
  } else {
    await roll(plan.controlPlane.groups)
  }
  if (kube) {
    const changed = await setDaemonSetVersion(kube, 'kube-proxy', target)
    if (changed !== undefined) {
      await waitForRollout(kube, 'kube-proxy', timeouts)
      step(`DaemonSet kube-system/kube-proxy: ${changed ? 'rolled out' : 'already'} at ${target}`)
    }
  }
  await roll(plan.nodeGroups)
  result.applied = true
  return result
}
