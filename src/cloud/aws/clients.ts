/**
 * The one place SDK v3 clients are built: region, the standard credentials chain, an endpoint
 * override (`--endpoint`, or `AWS_ENDPOINT_URL` which the SDK reads itself), adaptive retries,
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
import {KforgeError} from '../../util/errors.js'
import {kforgeVersion} from '../../util/version.js'
import {guardUntokenedCreates} from './unknown-outcome.js'

export interface AwsOptions {
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION. */
  region?: string
  /** Default: AWS_ENDPOINT_URL (read by the SDK), else the real AWS endpoints. */
  endpoint?: string
  /**
   * Called once per API operation (not per retry attempt), before it is sent. Default: none, or,
   * when KFORGE_AWS_CALL_LOG names a file, a line `<service> <Action>` appended to it per call
   * (how tests and benchmarks count the calls a CLI process makes).
   */
  onCall?: AwsCallListener
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

function envCallListener(): AwsCallListener | undefined {
  const file = process.env.KFORGE_AWS_CALL_LOG
  if (!file) return undefined
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

/** Default: 5 s to connect. */
const CONNECT_TIMEOUT_MS = 5_000
/** Default: 30 s for an answer; AWS answers in well under a second, slow operations in a few. */
const REQUEST_TIMEOUT_MS = 30_000

function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name])
  return Number.isFinite(v) && v > 0 ? v : fallback
}

/** Settings common to every client. */
export function clientConfig(options: AwsOptions = {}): {
  region: string
  endpoint?: string
  retryMode: 'adaptive'
  maxAttempts: number
  customUserAgent: string
  requestHandler: {connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: true}
} {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
  if (!region) {
    throw new KforgeError('no AWS region: pass --region, set AWS_REGION, or set spec.cloud.aws.region')
  }
  return {
    region,
    ...(options.endpoint ? {endpoint: options.endpoint} : {}),
    retryMode: 'adaptive',
    maxAttempts: 6,
    customUserAgent: `kforge/${kforgeVersion()}`,
    // A stuck call fails with TimeoutError, which the retry loop resends (or, for a create
    // without an idempotency token, reports as an unknown outcome: unknown-outcome.ts).
    requestHandler: {
      connectionTimeout: envMs('KFORGE_AWS_CONNECT_TIMEOUT_MS', CONNECT_TIMEOUT_MS),
      requestTimeout: envMs('KFORGE_AWS_REQUEST_TIMEOUT_MS', REQUEST_TIMEOUT_MS),
      throwOnRequestTimeout: true,
    },
  }
}

/** True when talking to something other than real AWS (an emulator): S3 then needs path-style. */
export function usesCustomEndpoint(options: AwsOptions): boolean {
  return Boolean(options.endpoint ?? process.env.AWS_ENDPOINT_URL ?? process.env.AWS_ENDPOINT_URL_S3)
}

/** Lazily built, cached clients for one region/endpoint. */
export class AwsClients {
  private readonly cache = new Map<string, Promise<unknown>>()

  constructor(readonly options: AwsOptions = {}) {}

  get region(): string {
    return clientConfig(this.options).region
  }

  private memo<T>(key: string, make: () => Promise<T>): Promise<T> {
    let hit = this.cache.get(key) as Promise<T> | undefined
    if (!hit) {
      const listener = this.options.onCall ?? envCallListener()
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
          forcePathStyle: usesCustomEndpoint(this.options),
        }),
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
