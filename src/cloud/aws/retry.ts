/**
 * How kforge's AWS clients retry a failed call.
 *
 * The SDK's own strategies (standard and adaptive) keep a retry quota per client: 500 tokens, a
 * retried throttle costs 5 and a retried timeout or reset 14, and a success gives back only what
 * its last retry cost. Once the quota is spent the client stops retrying altogether, and the next
 * throttled call fails on its first attempt. That protects a fleet of services from retry storms;
 * it breaks a provisioner, whose one client per service makes hundreds of calls through a long
 * apply: under bursts of throttling and lost answers it abandoned a half-made cluster on a
 * throttle it could have waited out. kforge keeps what bounds each call (at most `maxAttempts`
 * attempts, exponential backoff with full jitter, a longer base after throttling, the service's
 * Retry-After honoured) and drops the quota, as the Go SDK's `ratelimit.None` does.
 */
import type {RetryErrorInfo, RetryStrategyV2, RetryToken} from '@smithy/types'

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number
  /** Backoff base after a throttle: the service asked us to slow down. */
  throttleBaseMs: number
  /** Backoff base after a timeout, a reset connection or a 5xx. */
  transientBaseMs: number
  /** No single wait is longer. */
  maxDelayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  throttleBaseMs: 1_000,
  transientBaseMs: 100,
  maxDelayMs: 20_000,
}

/** The longest a Retry-After hint may stretch one wait beyond the computed backoff. */
const RETRY_AFTER_SLACK_MS = 5_000

/**
 * The SDK counts LimitExceededException as throttling (it is, in Kinesis or API Gateway). In every
 * service kforge calls (IAM, Auto Scaling, CloudFormation, KMS) it is a quota refusal, which no
 * wait lifts: IAM answers it when a retried AddRoleToInstanceProfile finds its first attempt's
 * role already in the profile. Retried as a throttle, the answer was lost behind later throttles
 * and the create failed with "Rate exceeded" instead of seeing that the role was there.
 */
function isQuota(error: RetryErrorInfo['error']): boolean {
  return error?.name === 'LimitExceededException'
}

class Token implements RetryToken {
  constructor(
    private readonly count: number,
    private readonly delay: number,
  ) {}
  getRetryCount(): number {
    return this.count
  }
  getRetryDelay(): number {
    return this.delay
  }
}

export class ProvisionerRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly random: () => number = Math.random,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return new Token(0, 0)
  }

  async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const retries = token.getRetryCount()
    const retryable =
      (info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT') && !isQuota(info.error)
    // The middleware rethrows the call's own error when this throws.
    if (!retryable || retries + 1 >= this.policy.maxAttempts) throw new Error('no retry')
    return new Token(retries + 1, this.delay(retries, info))
  }

  recordSuccess(_token: RetryToken): void {}

  /** Full jitter: uniform in [0, min(cap, base * 2^retries)], so clients that failed together spread out. */
  delay(retries: number, info: RetryErrorInfo): number {
    const base = info.errorType === 'THROTTLING' ? this.policy.throttleBaseMs : this.policy.transientBaseMs
    const ceiling = Math.min(this.policy.maxDelayMs, base * 2 ** retries)
    const backoff = Math.floor(this.random() * ceiling)
    const hint = info.retryAfterHint instanceof Date ? info.retryAfterHint.getTime() - Date.now() : 0
    return hint > backoff ? Math.min(hint, backoff + RETRY_AFTER_SLACK_MS) : backoff
  }
}
