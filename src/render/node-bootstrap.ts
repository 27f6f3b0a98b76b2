/**
 * What the node agent's init takes from the cluster spec beyond kubeadm's configuration: the CNI,
 * the AWS addons, the self-hosted pivot and the pod identity webhook (`/etc/kforge/node.yaml`, read by
 * src/phases/init/api/addon/node-config.ts), and, for a self-hosted control plane, the systemd
 * units that run `kforge pivot recover`. No secrets: the file is 0644.
 */
import {stringify} from 'yaml'
import {publishedIssuer} from '../api/v1alpha1/identity.js'
import {NODE_CONFIG_FILE} from '../api/v1alpha1/node-bootstrap.js'
import type {Cluster, CniPlugin} from '../api/v1alpha1/types.js'
import {renderTemplate} from './templates.js'
import type {InstanceFile} from './types.js'

/** The `kind: NodeBootstrap` document, field for field what the init reader accepts. */
export interface NodeBootstrapDocument {
  apiVersion: 'kforge.dev/v1alpha1'
  kind: 'NodeBootstrap'
  cni: CniPlugin
  addons: {
    cloudControllerManager: {enabled: boolean}
    ebsCSI: {enabled: boolean; defaultStorageClass: boolean}
  }
  selfHosted: boolean
  /** spec.etcd.backups, and where they go: the node's backup timer is written from it. Absent: disabled. */
  etcdBackups?: NodeEtcdBackups
  /** The pod identity webhook (a published service-account issuer): its region. Absent: none. */
  podIdentityWebhook?: NodePodIdentityWebhook
}

export interface NodePodIdentityWebhook {
  /** AWS_REGION and AWS_DEFAULT_REGION in the pods it gives a role. */
  region: string
}

export interface NodeEtcdBackups {
  stateStore: string
  stateStoreRegion?: string
  /** spec.cloud.aws.kmsKeyArn; absent: the alias kforge makes for the cluster key. */
  kmsKey?: string
  schedule: string
  retention: {all: string; hourly: string; daily: string}
}

/** Where the state store is, for the backups a control-plane node takes. */
export interface BackupTarget {
  stateStore: string
  stateStoreRegion?: string
}

export function nodeBootstrapDocument(cluster: Cluster, target?: BackupTarget): NodeBootstrapDocument {
  const {networking, addons, selfHosted} = cluster.spec
  const b = cluster.spec.etcd.backups
  return {
    apiVersion: 'kforge.dev/v1alpha1',
    kind: 'NodeBootstrap',
    cni: networking.cni,
    addons: {
      cloudControllerManager: {enabled: addons.cloudControllerManager.enabled},
      ebsCSI: {enabled: addons.ebsCSI.enabled, defaultStorageClass: addons.ebsCSI.defaultStorageClass},
    },
    selfHosted,
    ...(b.enabled && target
      ? {
          etcdBackups: {
            stateStore: target.stateStore,
            ...(target.stateStoreRegion ? {stateStoreRegion: target.stateStoreRegion} : {}),
            ...(cluster.spec.cloud.aws.kmsKeyArn ? {kmsKey: cluster.spec.cloud.aws.kmsKeyArn} : {}),
            schedule: b.schedule,
            retention: {...b.retention},
          },
        }
      : {}),
    // Pods can use a role only where STS can verify their tokens: with a published issuer.
    ...(publishedIssuer(cluster.spec) ? {podIdentityWebhook: {region: cluster.spec.cloud.aws.region}} : {}),
  }
}

export function nodeBootstrapFile(cluster: Cluster, target?: BackupTarget): InstanceFile {
  return {path: NODE_CONFIG_FILE, mode: '0644', content: stringify(nodeBootstrapDocument(cluster, target))}
}

export const PIVOT_RECOVER_UNIT = 'kforge-pivot-recover'

/** The recovery service and its timer: control-plane instances of a self-hosted cluster only. */
export function pivotRecoverUnits(cluster: Cluster): InstanceFile[] {
  if (!cluster.spec.selfHosted) return []
  return (['service', 'timer'] as const).map((kind) => ({
    path: `/etc/systemd/system/${PIVOT_RECOVER_UNIT}.${kind}`,
    mode: '0644',
    content: renderTemplate(`files/${PIVOT_RECOVER_UNIT}.${kind}`, {}),
  }))
}
