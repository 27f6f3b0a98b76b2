/**
 * The one place SDK v3 clients are built: region, the standard credentials chain, an endpoint
 * override (`--endpoint`, or `AWS_ENDPOINT_URL` which the SDK reads itself), retries without a quota (retry.ts),
 * connection and request timeouts (the SDK has none: a call whose answer never comes would hang
 * forever instead of failing and being retried) and a kforge user agent. Each service's package is imported on first use only, so commands
 * that never touch AWS do not pay for loading the SDK.
 */

import {appendFileSync} from 'node:fs'
import type {AutoScalingClient} from '@aws-sdk/client-auto-scaling'
import type {CloudFormationClient} from '@aws-sdk/client-cloudformation'
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {ElasticLoadBalancingV2Client} from '@aws-sdk/client-elastic-load-balancing-v2'
import type {IAMClient} from '@aws-sdk/client-iam'
import type {KMSClient} from '@aws-sdk/client-kms'
import type {Route53Client} from '@aws-sdk/client-route-53'
import type {S3Client} from '@aws-sdk/client-s3'
import type {STSClient} from '@aws-sdk/client-sts'
import type {AwsCredentialIdentityProvider} from '@smithy/types'
import {KforgeError} from '../../util/errors.js'
import type {Timings} from '../../util/timings.js'
import {kforgeVersion} from '../../util/version.js'
import {DEFAULT_RETRY_POLICY, ProvisionerRetryStrategy} from './retry.js'
import {guardUntokenedCreates} from './unknown-outcome.js'

/**
 * Everything about how kforge talks to AWS, decided by the caller: the CLI edge fills it from its
 * flags and the environment (src/cli/cluster.ts), a library user passes what they mean, and
 * nothing below reads the environment. Left unset, the SDK's own chain applies (AWS_REGION,
 * AWS_ENDPOINT_URL and the shared config files are read by the SDK itself).
 */
export interface AwsOptions {
  region?: string
  /** Default: the real AWS endpoints (or whatever the SDK's own configuration names). */
  endpoint?: string
  /** S3 by path (`endpoint/bucket/key`), as emulators need. Default: when `endpoint` is set. */
  s3PathStyle?: boolean
  /** Called once per API operation (not per retry attempt), before it is sent. */
  onCall?: AwsCallListener
  /** Default: 5 s to connect. */
  connectTimeoutMs?: number
  /** Default: 30 s for an answer; AWS answers in well under a second, slow operations in a few. */
  requestTimeoutMs?: number
  /** How the provisioner waits: between polls, for reads to catch up, between delete rounds. */
  timings?: Timings
}

export interface AwsCall {
  /** The SDK client's name without the `Client` suffix: `EC2`, `AutoScaling`, `IAM`... */
  service: string
  /** The operation: `DescribeVpcs`, `CreateSubnet`... */
  action: string
}

export type AwsCallListener = (call: AwsCall) => void

/**
 * Reads (Describe/List/Get/Head...) and pure computations (KMS Encrypt/Decrypt/GenerateDataKey)
 * change nothing; every other operation does.
 */
export function isMutating(action: string): boolean {
  return !/^(Describe|List|Get|Head|Lookup|Search|Validate|Estimate|Encrypt|Decrypt|GenerateDataKey)/.test(
    action,
  )
}

/** A listener that appends `<service> <Action>` per call to `file` (how tests count a process's calls). */
export function callLogListener(file: string): AwsCallListener {
  return ({service, action}) => appendFileSync(file, `${service} ${action}\n`)
}

interface Instrumentable {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: {clientName?: string; commandName?: string},
      ) => (args: unknown) => Promise<unknown>,
      options: {step: 'initialize'; name: string},
    ): void
  }
}

/** Counting at `initialize` sees each operation once, however many times the retry step resends it. */
function instrument<T>(client: T, listener: AwsCallListener | undefined): T {
  if (!listener) return client
  ;(client as Instrumentable).middlewareStack.add(
    (next, context) => (args) => {
      listener({
        service: (context.clientName ?? 'unknown').replace(/Client$/, ''),
        action: (context.commandName ?? 'unknown').replace(/Command$/, ''),
      })
      return next(args)
    },
    {step: 'initialize', name: 'kforgeCallListener'},
  )
  return client
}

const CONNECT_TIMEOUT_MS = 5_000
const REQUEST_TIMEOUT_MS = 30_000

/**
 * The SDK's standard credential chain, with patience for the instance metadata service. The SDK
 * asks IMDS once with a 1 s timeout; on an instance busy booting (a kubelet, etcd and the API
 * server starting) that is too little, and the node agent failed to read its role's credentials
 * ("Could not load credentials from any providers"). Loaded on first use, as the clients are.
 */
function patientCredentialChain(init: Record<string, unknown> = {}): AwsCredentialIdentityProvider {
  let chain: Promise<AwsCredentialIdentityProvider> | undefined
  return async (props) => {
    chain ??= import('@aws-sdk/credential-provider-node').then(({defaultProvider}) =>
      defaultProvider({...init, timeout: IMDS_TIMEOUT_MS, maxRetries: IMDS_RETRIES}),
    )
    return (await chain)(props)
  }
}

const IMDS_TIMEOUT_MS = 5_000
const IMDS_RETRIES = 3

/**
 * Whether this process is the node agent on an instance, where IMDS is there to be waited for. The
 * operator's CLI keeps the SDK's quick give-up: off EC2 nothing answers 169.254.169.254, and a
 * machine with no credentials would otherwise wait 20 s to be told so. Process-wide, because it is
 * a fact about where the process runs, set once by the agent's entry point.
 */
let onInstance = false

/** Called by the node agent's entry point (src/assets/agent/main.ts). */
export function waitForInstanceMetadata(): void {
  onInstance = true
}

/** Settings common to every client. */
export function clientConfig(options: AwsOptions = {}): {
  region?: string
  endpoint?: string
  retryStrategy: ProvisionerRetryStrategy
  maxAttempts: number
  customUserAgent: string
  requestHandler: {connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true}
  credentialDefaultProvider?: typeof patientCredentialChain
} {
  return {
    ...(onInstance ? {credentialDefaultProvider: patientCredentialChain} : {}),
    ...(options.region ? {region: options.region} : {}),
    ...(options.endpoint ? {endpoint: options.endpoint} : {}),
    retryStrategy: new ProvisionerRetryStrategy(),
    maxAttempts: DEFAULT_RETRY_POLICY.maxAttempts,
    customUserAgent: `kforge/${kforgeVersion()}`,
    // A stuck call fails with TimeoutError, which the retry loop resends (or, for a create
    // without an idempotency token, reports as an unknown outcome: unknown-outcome.ts).
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  }
}

/** Emulators answer S3 by path, not by bucket host name. */
function s3PathStyle(options: AwsOptions): boolean {
  return options.s3PathStyle ?? Boolean(options.endpoint)
}

/** Lazily built, cached clients for one region/endpoint. */
export class AwsClients {
  private readonly cache = new Map<string, Promise<unknown>>()

  constructor(readonly options: AwsOptions = {}) {}

  get region(): string {
    if (!this.options.region) {
      throw new KforgeError('no AWS region: pass --region, set AWS_REGION, or set spec.cloud.aws.region')
    }
    return this.options.region
  }

  /** The caller's timings (the CLI's, or each wait's own defaults). */
  get timings(): Timings {
    return this.options.timings ?? {}
  }

  private memo<T>(key: string, make: () => Promise<T>): Promise<T> {
    let hit = this.cache.get(key) as Promise<T> | undefined
    if (!hit) {
      const listener = this.options.onCall
      hit = make().then((client) => instrument(guardUntokenedCreates(client), listener))
      this.cache.set(key, hit)
    }
    return hit
  }

  ec2(): Promise<EC2Client> {
    return this.memo(
      'ec2',
      async () => new (await import('@aws-sdk/client-ec2')).EC2Client(clientConfig(this.options)),
    )
  }
  autoScaling(): Promise<AutoScalingClient> {
    return this.memo(
      'asg',
      async () =>
        new (await import('@aws-sdk/client-auto-scaling')).AutoScalingClient(clientConfig(this.options)),
    )
  }
  iam(): Promise<IAMClient> {
    return this.memo(
      'iam',
      async () => new (await import('@aws-sdk/client-iam')).IAMClient(clientConfig(this.options)),
    )
  }
  kms(): Promise<KMSClient> {
    return this.memo(
      'kms',
      async () => new (await import('@aws-sdk/client-kms')).KMSClient(clientConfig(this.options)),
    )
  }
  route53(): Promise<Route53Client> {
    return this.memo(
      'route53',
      async () => new (await import('@aws-sdk/client-route-53')).Route53Client(clientConfig(this.options)),
    )
  }
  s3(): Promise<S3Client> {
    return this.memo(
      's3',
      async () =>
        new (await import('@aws-sdk/client-s3')).S3Client({
          ...clientConfig(this.options),
          forcePathStyle: s3PathStyle(this.options),
        }),
    )
  }
  sts(): Promise<STSClient> {
    return this.memo(
      'sts',
      async () => new (await import('@aws-sdk/client-sts')).STSClient(clientConfig(this.options)),
    )
  }
  cloudFormation(): Promise<CloudFormationClient> {
    return this.memo(
      'cfn',
      async () =>
        new (await import('@aws-sdk/client-cloudformation')).CloudFormationClient(clientConfig(this.options)),
    )
  }
  elbv2(): Promise<ElasticLoadBalancingV2Client> {
    return this.memo(
      'elbv2',
      async () =>
        new (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client(
          clientConfig(this.options),
        ),
    )
  }
}
