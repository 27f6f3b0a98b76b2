import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {AddRoleToInstanceProfileCommand, IAMClient} from '@aws-sdk/client-iam'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {clientConfig} from '../../../../src/cloud/aws/clients.js'
import {
  DEFAULT_RETRY_POLICY,
  ProvisionerRetryStrategy,
  type RetryPolicy,
} from '../../../../src/cloud/aws/retry.js'

const ANSWER =
  '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
  '<Arn>arn:aws:iam::123456789012:user/operator</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>' +
  '</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>'

const refusal = (code: string, message: string) =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`

/** STS on loopback: throttles each call's first `throttled` attempts, or refuses every one with `refuse`. */
let server: Server
let endpoint: string
const behaviour = {throttled: 3, refuse: undefined as string | undefined}
beforeAll(async () => {
  server = createServer((req, res) => {
    const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request']))?.[1] ?? 1)
    req.resume()
    req.on('end', () => {
      if (behaviour.refuse) {
        res.writeHead(403, {'content-type': 'text/xml'}).end(refusal(behaviour.refuse, 'no'))
      } else if (attempt <= behaviour.throttled) {
        res.writeHead(400, {'content-type': 'text/xml'}).end(refusal('Throttling', 'Rate exceeded'))
      } else {
        res.writeHead(200, {'content-type': 'text/xml'}).end(ANSWER)
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const FAST: RetryPolicy = {...DEFAULT_RETRY_POLICY, throttleBaseMs: 1, transientBaseMs: 1, maxDelayMs: 2}

function sts(retryStrategy: ProvisionerRetryStrategy): STSClient {
  return new STSClient({
    ...clientConfig({region: 'us-east-1', endpoint}),
    retryStrategy,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
  })
}

async function attemptsOf(client: STSClient): Promise<number | string> {
  try {
    return (await client.send(new GetCallerIdentityCommand({}))).$metadata.attempts ?? 0
  } catch (err) {
    const e = err as {name: string; $metadata?: {attempts?: number}}
    return `${e.name} after ${e.$metadata?.attempts}`
  }
}

describe('AWS clients retry without a quota', () => {
  it('are built with the provisioner strategy', () => {
    expect(clientConfig().retryStrategy).toBeInstanceOf(ProvisionerRetryStrategy)
    expect(clientConfig().maxAttempts).toBe(DEFAULT_RETRY_POLICY.maxAttempts)
  })

  // With the SDK's adaptive strategy the same run fails from about the 45th call on, on its first
  // attempt: its retry quota is spent (measured against the fault proxy; too slow to repeat here,
  // as the SDK's backoff cannot be shortened).
  it('a long run of throttled calls keeps being retried: every call gets through on its fourth attempt', async () => {
    behaviour.throttled = 3
    behaviour.refuse = undefined
    const client = sts(new ProvisionerRetryStrategy(FAST))
    const seen: (number | string)[] = []
    for (let i = 0; i < 120; i++) seen.push(await attemptsOf(client))
    expect(new Set(seen)).toEqual(new Set([4]))
  })

  it('a call throttled on every attempt fails with the service error after maxAttempts', async () => {
    behaviour.throttled = 99
    behaviour.refuse = undefined
    expect(await attemptsOf(sts(new ProvisionerRetryStrategy(FAST)))).toBe('Throttling after 6')
  })

  it('a refusal is not retried', async () => {
    behaviour.refuse = 'AccessDenied'
    expect(await attemptsOf(sts(new ProvisionerRetryStrategy(FAST)))).toBe('AccessDenied after 1')
    behaviour.refuse = undefined
  })

  // The SDK classes LimitExceededException as throttling; IAM uses it for a quota, as when a
  // retried AddRoleToInstanceProfile meets the role its lost first attempt added.
  it("IAM's LimitExceeded reaches the caller at once, with its code, not as a throttle", async () => {
    behaviour.refuse = 'LimitExceeded'
    const iam = new IAMClient({
      ...clientConfig({region: 'us-east-1', endpoint}),
      retryStrategy: new ProvisionerRetryStrategy(FAST),
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    const err = await iam
      .send(new AddRoleToInstanceProfileCommand({InstanceProfileName: 'p', RoleName: 'r'}))
      .then(
        () => undefined,
        (e: {name: string; $metadata?: {attempts?: number}}) => e,
      )
    behaviour.refuse = undefined
    expect(err && `${err.name} after ${err.$metadata?.attempts}`).toBe('LimitExceededException after 1')
  })
})

describe('backoff', () => {
  const throttle = {errorType: 'THROTTLING'} as const
  const transient = {errorType: 'TRANSIENT'} as const

  it('is full jitter under a ceiling that doubles per retry, longer after a throttle, capped', () => {
    const top = new ProvisionerRetryStrategy(DEFAULT_RETRY_POLICY, () => 0.999_999)
    expect([0, 1, 2, 3, 4, 5].map((n) => top.delay(n, throttle))).toEqual([
      999, 1999, 3999, 7999, 15_999, 19_999,
    ])
    expect([0, 1, 2].map((n) => top.delay(n, transient))).toEqual([99, 199, 399])
    const bottom = new ProvisionerRetryStrategy(DEFAULT_RETRY_POLICY, () => 0)
    expect(bottom.delay(3, throttle)).toBe(0)
  })

  it("honours the service's Retry-After, up to 5 s beyond the backoff", () => {
    const s = new ProvisionerRetryStrategy(DEFAULT_RETRY_POLICY, () => 0)
    const inSeconds = (n: number) => new Date(Date.now() + n * 1000)
    expect(s.delay(0, {...throttle, retryAfterHint: inSeconds(3)})).toBeGreaterThan(2_900)
    expect(s.delay(0, {...throttle, retryAfterHint: inSeconds(60)})).toBe(5_000)
  })
})
