/**
 * What the kforge spec decides for a node beyond kubeadm's configuration: the CNI, the AWS
 * addons and whether to pivot to a self-hosted control plane. The provisioner writes it to
 * `/etc/kforge/node.yaml`; without that file init behaves like kubeadm (CoreDNS and kube-proxy
 * only, no pivot).
 *
 *   apiVersion: kforge.dev/v1alpha1
 *   kind: NodeBootstrap
 *   cni: flannel                      # flannel | hostgw (calico, cilium, amazon-vpc: refused)
 *   addons:
 *     cloudControllerManager: {enabled: true}
 *     ebsCSI: {enabled: true, defaultStorageClass: true}   # controllerRoleArn: the controller's IRSA role
 *   selfHosted: false
 *   etcdBackups:                      # control-plane nodes: the backup timer (absent: none)
 *     stateStore: s3://bucket/prefix
 *     schedule: '*:0/15'
 *     retention: {all: 1h, hourly: 7d, daily: 30d}
 *   podIdentityWebhook:               # control-plane nodes: the pod identity webhook (absent: none)
 *     region: eu-west-1
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {parse} from 'yaml'
import {incompleteCni} from '../../../../api/v1alpha1/cni.js'
import {etcdBackupProblems} from '../../../../api/v1alpha1/etcd-backups.js'
import {NODE_CONFIG_FILE} from '../../../../api/v1alpha1/node-bootstrap.js'
import type {CniPlugin} from '../../../../api/v1alpha1/types.js'
import type {NodeEbsCsi, NodeEtcdBackups, NodePodIdentityWebhook} from '../../../../render/node-bootstrap.js'
import {KforgeError} from '../../../../util/errors.js'

/** An IAM role ARN in any partition, with a 12-digit account: what a node must never guess. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/

const CNIS: readonly CniPlugin[] = ['calico', 'cilium', 'flannel', 'amazon-vpc', 'hostgw']

export interface NodeBootstrapConfig {
  cni?: CniPlugin
  cloudControllerManager: boolean
  ebsCSI: NodeEbsCsi
  selfHosted: boolean
  etcdBackups?: NodeEtcdBackups
  podIdentityWebhook?: NodePodIdentityWebhook
}

export const KUBEADM_ONLY: NodeBootstrapConfig = {
  cloudControllerManager: false,
  ebsCSI: {enabled: false, defaultStorageClass: false},
  selfHosted: false,
}

const cache = new WeakMap<object, Promise<NodeBootstrapConfig>>()

export function nodeConfig(d: {rootDir: string}): Promise<NodeBootstrapConfig> {
  let p = cache.get(d)
  if (!p) {
    p = loadNodeConfig(d.rootDir)
    cache.set(d, p)
  }
  return p
}

export async function loadNodeConfig(rootDir: string): Promise<NodeBootstrapConfig> {
  const file = join(rootDir, NODE_CONFIG_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return KUBEADM_ONLY
  }
  const raw = (parse(text) ?? {}) as Record<string, unknown>
  const where = (field: string) => `${file}: ${field}`
  if (raw.kind !== 'NodeBootstrap')
    throw new KforgeError(`${where('kind')}: expected NodeBootstrap, got ${JSON.stringify(raw.kind)}`)
  const known = new Set([
    'apiVersion',
    'kind',
    'cni',
    'addons',
    'selfHosted',
    'etcdBackups',
    'podIdentityWebhook',
  ])
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new KforgeError(`${where(k)}: unknown field`)
  const cni = raw.cni
  if (cni !== undefined && !CNIS.includes(cni as CniPlugin)) {
    throw new KforgeError(`${where('cni')}: "${String(cni)}" is not one of ${CNIS.join(', ')}`)
  }
  const incomplete = cni === undefined ? undefined : incompleteCni(cni as CniPlugin)
  if (incomplete) throw new KforgeError(`${where('cni')} ${incomplete}`)
  const addons = (raw.addons ?? {}) as {
    cloudControllerManager?: {enabled?: boolean}
    ebsCSI?: {enabled?: boolean; defaultStorageClass?: boolean; controllerRoleArn?: unknown}
  }
  const ebs = addons.ebsCSI?.enabled ?? false
  const roleArn = addons.ebsCSI?.controllerRoleArn
  if (roleArn !== undefined && (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn)))
    throw new KforgeError(
      `${where('addons.ebsCSI.controllerRoleArn')}: expected an IAM role ARN like arn:aws:iam::111122223333:role/name, got ${JSON.stringify(roleArn)}`,
    )
  return {
    ...(cni ? {cni: cni as CniPlugin} : {}),
    cloudControllerManager: addons.cloudControllerManager?.enabled ?? false,
    ebsCSI: {
      enabled: ebs,
      defaultStorageClass: ebs && (addons.ebsCSI?.defaultStorageClass ?? true),
      ...(ebs && typeof roleArn === 'string' ? {controllerRoleArn: roleArn} : {}),
    },
    selfHosted: raw.selfHosted === true,
    ...(raw.etcdBackups !== undefined
      ? {etcdBackups: readBackups(raw.etcdBackups, where('etcdBackups'))}
      : {}),
    ...(raw.podIdentityWebhook !== undefined
      ? {podIdentityWebhook: readWebhook(raw.podIdentityWebhook, where('podIdentityWebhook'))}
      : {}),
  }
}

function readWebhook(raw: unknown, where: string): NodePodIdentityWebhook {
  const region = (raw as {region?: unknown} | null)?.region
  if (typeof region !== 'string' || !/^[a-z]{2,}(-[a-z]+)+-\d+$/.test(region))
    throw new KforgeError(
      `${where}.region: expected an AWS region like eu-west-1, got ${JSON.stringify(region)}`,
    )
  return {region}
}

function readBackups(raw: unknown, where: string): NodeEtcdBackups {
  const b = (raw ?? {}) as Partial<NodeEtcdBackups>
  const retention = (b.retention ?? {}) as Partial<NodeEtcdBackups['retention']>
  const strings = [b.stateStore, b.schedule, retention.all, retention.hourly, retention.daily]
  if (strings.some((x) => typeof x !== 'string'))
    throw new KforgeError(`${where}: expected {stateStore, schedule, retention: {all, hourly, daily}}`)
  const out: NodeEtcdBackups = {
    stateStore: b.stateStore!,
    ...(typeof b.stateStoreRegion === 'string' ? {stateStoreRegion: b.stateStoreRegion} : {}),
    ...(typeof b.kmsKey === 'string' ? {kmsKey: b.kmsKey} : {}),
    schedule: b.schedule!,
    retention: {all: retention.all!, hourly: retention.hourly!, daily: retention.daily!},
  }
  const problems = etcdBackupProblems({schedule: out.schedule, retention: out.retention})
  if (problems[0]) throw new KforgeError(`${where}.${problems[0].path.join('.')}: ${problems[0].message}`)
  return out
}
