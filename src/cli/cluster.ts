/**
 * How every command opens what it works on: the state store `--state` names, AWS options from
 * `--region` / `--endpoint`, and a stored cluster with AWS clients for its own region (unless
 * --region says otherwise). One place, so no command builds these its own way.
 */
import type {Cluster} from '../api/v1alpha1/types.js'
import {type AwsClients, type AwsOptions, callLogListener} from '../cloud/aws/clients.js'
import type {StateStore} from '../state/store.js'
import {positive, timingsFromEnv} from './timings.js'

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

/**
 * AWS client options from `--region` / `--endpoint` and the environment: AWS_REGION (then
 * AWS_DEFAULT_REGION) and AWS_ENDPOINT_URL as the SDK reads them, AWS_ENDPOINT_URL_S3 for S3 by
 * path, and kforge's own KFORGE_AWS_CALL_LOG (a file that gets `<service> <Action>` per call: how
 * tests and the demo count calls), KFORGE_AWS_CONNECT_TIMEOUT_MS, KFORGE_AWS_REQUEST_TIMEOUT_MS and
 * the timings. The one place these are read; everything below takes them as options.
 */
export function awsOptions(flags: GlobalCloudFlags, env: NodeJS.ProcessEnv = process.env): AwsOptions {
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  const endpoint = flags.endpoint ?? env.AWS_ENDPOINT_URL
  const connectTimeoutMs = positive(env.KFORGE_AWS_CONNECT_TIMEOUT_MS)
  const requestTimeoutMs = positive(env.KFORGE_AWS_REQUEST_TIMEOUT_MS)
  return {
    ...(region ? {region} : {}),
    ...(endpoint ? {endpoint} : {}),
    s3PathStyle: Boolean(endpoint ?? env.AWS_ENDPOINT_URL_S3),
    ...(env.KFORGE_AWS_CALL_LOG ? {onCall: callLogListener(env.KFORGE_AWS_CALL_LOG)} : {}),
    ...(connectTimeoutMs ? {connectTimeoutMs} : {}),
    ...(requestTimeoutMs ? {requestTimeoutMs} : {}),
    timings: timingsFromEnv(env),
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
  const options = awsOptions(flags)
  // The cluster's own region, unless --region says otherwise; the environment's only without either.
  const r = flags.region ?? region ?? options.region
  return new AwsClients({...options, ...(r ? {region: r} : {})})
}

export async function openCluster(name: string, flags: GlobalCloudFlags): Promise<OpenedCluster> {
  const {loadCluster} = await import('../state/clusters.js')
  const store = await openStore(flags)
  const cluster = await loadCluster(store, name)
  const aws = await awsClients(flags, cluster.spec.cloud.aws.region)
  return {store, cluster, aws}
}
