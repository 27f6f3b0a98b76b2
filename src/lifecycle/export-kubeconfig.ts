/**
 * `kforge export kubeconfig`: a cluster entry (the API endpoint and the cluster CA from the state
 * store), a context named after the cluster, and — only with `--admin` — a short-lived admin
 * client certificate. Without `--admin` no credentials are written, as kops does since it stopped
 * exporting static credentials: the context then uses whatever user entry of that name the file
 * already has (an earlier `--admin` export), or an empty one.
 */

import type {Cluster} from '../api/v1alpha1/types.js'
import {awsNames} from '../cloud/aws/build/names.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {StateStore} from '../state/store.js'
import {KforgeError} from '../util/errors.js'
import {adminCredentials, loadClusterCa} from './admin-credentials.js'
import {kubeconfigTarget, writeKubeconfigEntry} from './kubeconfig-merge.js'

export interface ExportKubeconfigOptions {
  /** $KUBECONFIG as the CLI read it: the default file is its first entry. */
  kubeconfigEnv?: string | undefined
  store: StateStore
  /** Needed only when the endpoint is a load balancer without a DNS record (dns.type none). */
  aws?: AwsClients
  /** Issue admin credentials valid this long. Default: none (no credentials) */
  adminTtlMs?: number
  /** `--kubeconfig`. Default: the first file of $KUBECONFIG, else ~/.kube/config */
  file?: string
  /** Use `api.internal.<cluster>` (from inside the VPC). Default: false */
  internal?: boolean
  now?: Date
}

export interface ExportKubeconfigResult {
  file: string
  created: boolean
  context: string
  server: string
  /** `admin`: credentials written; `kept`: an existing user entry left as it was; `none`: an empty one. */
  credentials: 'admin' | 'none' | 'kept'
  /** RFC 3339, when credentials were written. */
  expires?: string
}

/** Where clients reach the API: the DNS name, or the load balancer's own name without DNS. */
export async function apiServerUrl(cluster: Cluster, aws?: AwsClients, internal = false): Promise<string> {
  const {spec} = cluster
  const port = spec.api.port
  if (spec.dns.type !== 'none') {
    return `https://${internal ? `api.internal.${cluster.name}` : spec.api.dnsName}:${port}`
  }
  if (!aws) return `https://${spec.api.dnsName}:${port}`
  const name = awsNames.apiLoadBalancer(cluster.name)
  const {DescribeLoadBalancersCommand} = await import('@aws-sdk/client-elastic-load-balancing-v2')
  try {
    const out = await (await aws.elbv2()).send(new DescribeLoadBalancersCommand({Names: [name]}))
    const dns = out.LoadBalancers?.[0]?.DNSName
    if (dns) return `https://${dns}:${port}`
  } catch (err) {
    if ((err as {name?: string}).name !== 'LoadBalancerNotFoundException') throw err
  }
  throw new KforgeError(
    `cluster ${cluster.name} has no DNS records (spec.dns.type none) and its API load balancer ${name} was not found; create it with "kforge update cluster ${cluster.name} --yes"`,
  )
}

export async function exportKubeconfig(
  cluster: Cluster,
  options: ExportKubeconfigOptions,
): Promise<ExportKubeconfigResult> {
  const server = await apiServerUrl(cluster, options.aws, options.internal)
  const file = kubeconfigTarget(options.file, {KUBECONFIG: options.kubeconfigEnv})
  let caCertPem: string
  let user: {'client-certificate-data': string; 'client-key-data': string} | undefined
  let expires: string | undefined
  if (options.adminTtlMs !== undefined) {
    const creds = await adminCredentials(options.store, cluster.name, {
      ttlMs: options.adminTtlMs,
      ...(options.now ? {now: options.now} : {}),
    })
    caCertPem = creds.caCertPem
    user = {
      'client-certificate-data': Buffer.from(creds.certPem).toString('base64'),
      'client-key-data': Buffer.from(creds.keyPem).toString('base64'),
    }
    expires = creds.notAfter.toISOString().replace(/\.\d+Z$/, 'Z')
  } else {
    caCertPem = (await loadClusterCa(options.store, cluster.name)).certPem
  }
  const written = await writeKubeconfigEntry(file, {
    name: cluster.name,
    cluster: {server, 'certificate-authority-data': Buffer.from(caCertPem).toString('base64')},
    ...(user ? {user} : {}),
  })
  return {
    file: written.file,
    created: written.created,
    context: cluster.name,
    server,
    credentials: user ? 'admin' : written.keptUser ? 'kept' : 'none',
    ...(expires ? {expires} : {}),
  }
}
