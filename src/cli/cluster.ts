/**
 * What the lifecycle commands share: open the state store, load the stored cluster, and build AWS
 * clients for the cluster's own region (unless --region says otherwise); and the Kubernetes access
 * flag (`--kubeconfig`).
 */
import {Flags} from '@oclif/core'
import type {Cluster} from '../api/v1alpha1/types.js'
import type {AwsClients} from '../cloud/aws/clients.js'
import type {StateStore} from '../state/store.js'

export interface GlobalCloudFlags {
  state?: string | undefined
  region?: string | undefined
  endpoint?: string | undefined
}

export interface OpenedCluster {
  store: StateStore
  cluster: Cluster
  aws: AwsClients
}

export async function openCluster(name: string, flags: GlobalCloudFlags): Promise<OpenedCluster> {
  const {openStateStore} = await import('../state/store.js')
  const {loadCluster} = await import('../state/clusters.js')
  const {AwsClients} = await import('../cloud/aws/clients.js')
  const store = await openStateStore(flags.state, {
    ...(flags.region ? {region: flags.region} : {}),
    ...(flags.endpoint ? {endpoint: flags.endpoint} : {}),
  })
  const cluster = await loadCluster(store, name)
  const aws = new AwsClients({
    region: flags.region ?? cluster.spec.cloud.aws.region,
    ...(flags.endpoint ? {endpoint: flags.endpoint} : {}),
  })
  return {store, cluster, aws}
}

export const apiFlags = {
  kubeconfig: Flags.string({
    description:
      'kubeconfig with admin access to the cluster. Default: the context named after the cluster in $KUBECONFIG or ~/.kube/config (kforge export kubeconfig NAME --admin writes it)',
  }),
  cloudonly: Flags.boolean({description: 'check the cloud only; do not use the Kubernetes API'}),
}

const DURATION = /^(\d+(\.\d+)?(ms|h|m|s))+$/

/**
 * `--admin` takes an optional duration (`--admin`, `--admin 2h`, `--admin=2h`) as kops's does;
 * oclif flags have no optional values, so the duration moves to a hidden flag before parsing.
 */
export function splitAdminFlag(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--admin=')) {
      out.push('--admin', `--admin-duration=${a.slice('--admin='.length)}`)
    } else if (a === '--admin' && DURATION.test(argv[i + 1] ?? '')) {
      out.push('--admin', `--admin-duration=${argv[++i]}`)
    } else {
      out.push(a)
    }
  }
  return out
}
