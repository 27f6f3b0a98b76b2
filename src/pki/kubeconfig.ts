/**
 * Kubeconfig documents (clientcmd v1 `Config`) built as typed objects and written with `yaml`,
 * in the shape kubeadm writes them: one cluster, one user, one context `<user>@<cluster>`.
 * Reused for admin/component kubeconfigs, bootstrap-kubelet.conf, `export kubeconfig` and the
 * cluster-info ConfigMap (a kubeconfig with one unnamed cluster and no users).
 */
import {parse, stringify} from 'yaml'
import {KforgeError} from '../util/errors.js'

export interface KubeconfigCluster {
  server: string
  'certificate-authority-data'?: string
  'certificate-authority'?: string
  'insecure-skip-tls-verify'?: boolean
  'tls-server-name'?: string
}

export interface KubeconfigUser {
  'client-certificate-data'?: string
  'client-key-data'?: string
  'client-certificate'?: string
  'client-key'?: string
  token?: string
}

export interface Kubeconfig {
  apiVersion: 'v1'
  kind: 'Config'
  clusters: {name: string; cluster: KubeconfigCluster}[] | null
  contexts: {name: string; context: {cluster: string; user: string; namespace?: string}}[] | null
  'current-context': string
  preferences: Record<string, never>
  users: {name: string; user: KubeconfigUser}[] | null
}

export type KubeconfigAuth = {clientCertPem: string; clientKeyPem: string} | {token: string}

export interface KubeconfigOptions {
  /** Default: kubernetes */
  clusterName?: string
  server: string
  caCertPem: string
  userName: string
  auth: KubeconfigAuth
  /** Default: `<user>@<cluster>` */
  contextName?: string
}

const b64 = (s: string) => Buffer.from(s).toString('base64')

export function buildKubeconfig(o: KubeconfigOptions): Kubeconfig {
  const cluster = o.clusterName ?? 'kubernetes'
  const context = o.contextName ?? `${o.userName}@${cluster}`
  const user: KubeconfigUser =
    'token' in o.auth
      ? {token: o.auth.token}
      : {'client-certificate-data': b64(o.auth.clientCertPem), 'client-key-data': b64(o.auth.clientKeyPem)}
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: cluster, cluster: {'certificate-authority-data': b64(o.caCertPem), server: o.server}}],
    contexts: [{name: context, context: {cluster, user: o.userName}}],
    'current-context': context,
    preferences: {},
    users: [{name: o.userName, user}],
  }
}

/** The kubeconfig kubeadm publishes in kube-public/cluster-info: one unnamed cluster, nothing else. */
export function clusterInfoKubeconfig(server: string, caCertPem: string): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: '', cluster: {'certificate-authority-data': b64(caCertPem), server}}],
    contexts: null,
    'current-context': '',
    preferences: {},
    users: null,
  }
}

export function serializeKubeconfig(k: Kubeconfig): string {
  return stringify(k, {lineWidth: 0, indentSeq: false})
}

/** Parse a kubeconfig; `source` names it in errors (a file, or `cluster-info ConfigMap`). */
export function parseKubeconfig(text: string, source: string): Kubeconfig {
  let value: unknown
  try {
    value = parse(text)
  } catch (err) {
    throw new KforgeError(`${source}: not valid YAML (${(err as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KforgeError(`${source}: expected a kubeconfig (a mapping with clusters, users, contexts)`)
  }
  const v = value as Partial<Kubeconfig>
  for (const key of ['clusters', 'contexts', 'users'] as const) {
    if (v[key] !== undefined && v[key] !== null && !Array.isArray(v[key])) {
      throw new KforgeError(`${source}: ${key} must be a list`)
    }
  }
  for (const [i, c] of (v.clusters ?? []).entries()) {
    if (typeof c?.cluster?.server !== 'string')
      throw new KforgeError(`${source}: clusters[${i}].cluster.server is missing`)
  }
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: v.clusters ?? null,
    contexts: v.contexts ?? null,
    'current-context': v['current-context'] ?? '',
    preferences: {},
    users: v.users ?? null,
  }
}

/** PEM of a cluster's `certificate-authority-data`, or undefined when it has none. */
export function clusterCaPem(cluster: KubeconfigCluster): string | undefined {
  const data = cluster['certificate-authority-data']
  return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8')
}

/** The cluster the current context points at (or the only cluster). */
export function currentCluster(k: Kubeconfig): {name: string; cluster: KubeconfigCluster} | undefined {
  const ctx = k.contexts?.find((c) => c.name === k['current-context'])
  if (ctx) return k.clusters?.find((c) => c.name === ctx.context.cluster)
  return k.clusters?.length === 1 ? k.clusters[0] : undefined
}
