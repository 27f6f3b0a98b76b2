/**
 * How every command opens what it works on: the state store `--state` names, AWS options from
 * `--region` / `--endpoint`, and a stored cluster with AWS clients for its own region (unless
 * --region says otherwise). One place, so no command builds these its own way.
 */
import type {Cluster} from '../api/v1alpha1/types.js'
import type {AwsClients, AwsOptions} from '../cloud/aws/clients.js'
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

/** `--region` / `--endpoint` as AWS client options (absent flags leave the SDK's own defaults). */
export function awsOptions(flags: GlobalCloudFlags): AwsOptions {
  return {
    ...(flags.region ? {region: flags.region} : {}),
    ...(flags.endpoint ? {endpoint: flags.endpoint} : {}),
  }
}

/** The state store `--state` names (oclif fills it from KFORGE_STATE_STORE); default ~/.kforge/state. */
export async function openStore(flags: GlobalCloudFlags): Promise<StateStore> {
  const {openStateStore} = await import('../state/store.js')
  return openStateStore(flags.state, awsOptions(flags))
}

/** AWS clients for `region` (or --region), with --endpoint. */
export async function awsClients(flags: GlobalCloudFlags, region?: string): Promise<AwsClients> {
  const {AwsClients} = await import('../cloud/aws/clients.js')
  const r = flags.region ?? region
  return new AwsClients({...(r ? {region: r} : {}), ...(flags.endpoint ? {endpoint: flags.endpoint} : {})})
}

export async function openCluster(name: string, flags: GlobalCloudFlags): Promise<OpenedCluster> {
  const {loadCluster} = await import('../state/clusters.js')
  const store = await openStore(flags)
  const cluster = await loadCluster(store, name)
  const aws = await awsClients(flags, cluster.spec.cloud.aws.region)
  return {store, cluster, aws}
}
