/**
 * What `rolling-update cluster` and `upgrade cluster` share: they replace instances the same way,
 * so the flags that shape a roll, their checks and the cluster they open come from here.
 */
import {Flags} from '@oclif/core'
import type {Cluster} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {KubeAccess} from '../lifecycle/kube-access.js'
import type {StateStore} from '../state/store.js'
import type {GlobalCloudFlags} from './cluster.js'

export const rollFlags = {
  'max-surge': Flags.integer({
    description: 'node groups: instances launched ahead of those they replace',
    default: 1,
    min: 0,
  }),
  'max-unavailable': Flags.integer({
    description:
      'node groups: instances replaced at once beyond the surge (default: 0, or 1 with --max-surge 0)',
    min: 0,
  }),
  'drain-timeout': Flags.string({description: 'give up draining a node after this long', default: '15m'}),
  'validate-timeout': Flags.string({
    description: 'how long the cluster may take to validate (or a DaemonSet to roll out) after each step',
    default: '15m',
  }),
  'force-unhealthy': Flags.boolean({
    description:
      'replace control-plane instances although an etcd member or its node is unhealthy (risk: losing etcd quorum); the unhealthy members go first',
  }),
  kubeconfig: Flags.string({
    description:
      'kubeconfig with admin access. Default: the context named after the cluster in $KUBECONFIG or ~/.kube/config',
  }),
}

export interface RollFlagValues {
  'max-surge': number
  'max-unavailable'?: number | undefined
  'drain-timeout': string
  'validate-timeout': string
}

export interface RollSettings {
  maxSurge: number
  maxUnavailable?: number
  drainTimeoutMs: number
  validateTimeoutMs: number
  intervalMs?: number
}

/** The roll's settings from its flags, refused with the flag's name when they cannot work. */
export async function rollSettings(f: RollFlagValues): Promise<RollSettings> {
  const {parseDuration} = await import('../kube/wait.js')
  const {pollOption} = await import('./timings.js')
  if (f['max-surge'] === 0 && f['max-unavailable'] === 0) {
    const {KforgeError} = await import('../util/errors.js')
    throw new KforgeError('--max-surge 0 and --max-unavailable 0: one of them must be at least 1')
  }
  return {
    maxSurge: f['max-surge'],
    ...(f['max-unavailable'] !== undefined ? {maxUnavailable: f['max-unavailable']} : {}),
    drainTimeoutMs: parseDuration(f['drain-timeout'], '--drain-timeout'),
    validateTimeoutMs: parseDuration(f['validate-timeout'], '--validate-timeout'),
    ...pollOption(),
  }
}

export interface OpenedRoll {
  store: StateStore
  cluster: Cluster
  aws: AwsClients
  kube: KubeAccess
}

/** The stored cluster, its AWS clients and its API (none with --cloudonly). */
export async function openRoll(
  name: string,
  f: GlobalCloudFlags & {kubeconfig?: string | undefined; cloudonly: boolean},
): Promise<OpenedRoll> {
  const {openCluster} = await import('./cluster.js')
  const {clusterKubeAccess} = await import('../lifecycle/kube-access.js')
  const opened = await openCluster(name, f)
  const kube = await clusterKubeAccess(opened.cluster.name, {
    ...(f.kubeconfig ? {kubeconfig: f.kubeconfig} : {}),
    kubeconfigEnv: process.env.KUBECONFIG,
    cloudOnly: f.cloudonly,
  })
  return {...opened, kube}
}
