/** DaemonSet, Deployment, ServiceAccount and ConfigMap builders shared by the addons. */
import {ConfigMaps, DaemonSets, Deployments, ServiceAccounts} from '../resources.js'
import type {ConfigMap, DaemonSet, Deployment, PodSpec, ServiceAccount, Toleration} from '../types.js'
import type {Manifest} from './types.js'

export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane'
export const CONTROL_PLANE_TOLERATION: Toleration = {
  key: CONTROL_PLANE_LABEL,
  operator: 'Exists',
  effect: 'NoSchedule',
}
export const TOLERATE_ALL: Toleration[] = [{operator: 'Exists'}]

export function serviceAccountOf(namespace: string, name: string): Manifest<ServiceAccount> {
  return {type: ServiceAccounts, object: {metadata: {name, namespace}}}
}

export function configMapOf(
  namespace: string,
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
): Manifest<ConfigMap> {
  return {type: ConfigMaps, object: {metadata: {name, namespace, ...(labels ? {labels} : {})}, data}}
}

export function daemonSetOf(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  spec: PodSpec,
  options: {maxUnavailable?: number} = {},
): Manifest<DaemonSet> {
  return {
    type: DaemonSets,
    object: {
      metadata: {name, namespace, labels},
      spec: {
        selector: {matchLabels: labels},
        template: {metadata: {labels}, spec},
        updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: options.maxUnavailable ?? 1}},
      },
    },
  }
}

export function deploymentOf(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  replicas: number,
  spec: PodSpec,
): Manifest<Deployment> {
  return {
    type: Deployments,
    object: {
      metadata: {name, namespace, labels},
      spec: {
        replicas,
        selector: {matchLabels: labels},
        template: {metadata: {labels}, spec},
        strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1}},
      },
    },
  }
}
