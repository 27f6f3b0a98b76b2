/**
 * What the node agent's init takes from the cluster spec beyond kubeadm's configuration: the CNI,
 * the AWS addons, the self-hosted pivot and the pod identity webhook (`/etc/kforge/node.yaml`, read by
 * src/phases/init/api/addon/node-config.ts), and, for a self-hosted control plane, the systemd
 * units that run `kforge pivot recover`. No secrets: the file is 0644.
 */
import {stringify} from 'yaml'
import {ebsCsiControllerHasOwnRole, publishedIssuer} from '../api/v1alpha1/identity.js'
import {NODE_CONFIG_FILE} from '../api/v1alpha1/node-bootstrap.js'
import type {Cluster, CniPlugin} from '../api/v1alpha1/types.js'
import {ebsCsiControllerRoleArn} from '../cloud/aws/build/ebs-csi-role.js'
import {KforgeError} from '../util/errors.js'
import {renderTemplate} from './templates.js'
import type {InstanceFile} from './types.js'

/** The `kind: NodeBootstrap` document, field for field what the init reader accepts. */
export interface NodeBootstrapDocument {
  apiVersion: 'kforge.dev/v1alpha1'
  kind: 'NodeBootstrap'
  cni: CniPlugin
  addons: {
    cloudControllerManager: {enabled: boolean}
    ebsCSI: NodeEbsCsi
  }
  selfHosted: boolean
  /** spec.etcd.backups, and where they go: the node's backup timer is written from it. Absent: disabled. */
  etcdBackups?: NodeEtcdBackups
  /** The pod identity webhook (a published service-account issuer): its region. Absent: none. */
  podIdentityWebhook?: NodePodIdentityWebhook
}

export interface NodeEbsCsi {
  enabled: boolean
  defaultStorageClass: boolean
  /**
   * The controller's own IAM role (IRSA): it then runs as a Deployment whose ServiceAccount is
   * annotated with this ARN. Absent: on the control plane with hostNetwork, under the instance role.
   */
  controllerRoleArn?: string
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

/** The EBS CSI controller's role ARN, when it has one: `account` is where kforge made the role. */
function controllerRoleArn(cluster: Cluster, account: string | undefined): string | undefined {
  if (!ebsCsiControllerHasOwnRole(cluster.spec)) return undefined
  if (account === undefined) {
    throw new KforgeError(
      `cluster ${cluster.name}: the EBS CSI controller has its own IAM role, whose ARN node.yaml needs: render with the account's assets (the prerequisites learn it from STS)`,
    )
  }
  return ebsCsiControllerRoleArn(cluster.name, cluster.spec.cloud.aws.region, account)
}

/**
 * `account`: the AWS account kforge makes the cluster's IAM roles in (ClusterAssets.account),
 * needed when the EBS CSI controller has a role of its own.
 */
export function nodeBootstrapDocument(
  cluster: Cluster,
  target?: BackupTarget,
  account?: string,
): NodeBootstrapDocument {
  const {networking, addons, selfHosted} = cluster.spec
  const b = cluster.spec.etcd.backups
  const roleArn = controllerRoleArn(cluster, account)
  return {
    apiVersion: 'kforge.dev/v1alpha1',
    kind: 'NodeBootstrap',
    cni: networking.cni,
    addons: {
      cloudControllerManager: {enabled: addons.cloudControllerManager.enabled},
      ebsCSI: {
        enabled: addons.ebsCSI.enabled,
        defaultStorageClass: addons.ebsCSI.defaultStorageClass,
        ...(roleArn ? {controllerRoleArn: roleArn} : {}),
      },
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

export function nodeBootstrapFile(cluster: Cluster, target?: BackupTarget, account?: string): InstanceFile {
  return {
    path: NODE_CONFIG_FILE,
    mode: '0644',
    content: stringify(nodeBootstrapDocument(cluster, target, account)),
  }
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
