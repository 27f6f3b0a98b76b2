/**
 * The one create path every kind uses: "already exists" and unanswered creates end in adoption
 * of this cluster's resource, never in a duplicate or an error, and never in adopting someone
 * else's; deletes that meet NotFound are done. Also the client side that makes a lost answer
 * visible as such: unanswered untokened creates are not resent by the SDK.
 */
import {beforeEach, describe, expect, it} from 'vitest'
import {awsOptions} from '../../../../src/cli/cluster.js'
import {AwsClients, clientConfig} from '../../../../src/cloud/aws/clients.js'
import {directContext} from '../../../../src/cloud/aws/direct/context.js'
import {createOrAdopt, idempotentDelete, ownedBy} from '../../../../src/cloud/aws/model/adopt.js'
import {poll} from '../../../../src/cloud/aws/model/wait.js'
import {mayHaveActed, OutcomeUnknownError} from '../../../../src/cloud/aws/unknown-outcome.js'
import {KforgeError} from '../../../../src/util/errors.js'
import {Logger} from '../../../../src/util/logger.js'

const cluster = 'adopt.example.com'
const lines: string[] = []
// Short waits, as the CLI's timings would set them from KFORGE_POLL_MS and KFORGE_SETTLE_MS.
const ctx = directContext(
  new AwsClients({region: 'us-east-1', timings: {pollMs: 5, settleMs: 200}}),
  cluster,
  {
    logger: new Logger('info', (l) => lines.push(l)),
  },
)
const awsError = (name: string, message = name) => Object.assign(new Error(message), {name})
const ours = {[`kubernetes.io/cluster/${cluster}`]: 'owned', 'kforge.dev/resource': 'nodes'}

beforeEach(() => {
  lines.length = 0
})

describe('createOrAdopt', () => {
  it.each([
    'InvalidPermission.Duplicate',
    'InvalidGroup.Duplicate',
    'EntityAlreadyExists',
    'AlreadyExistsFault',
    'RouteAlreadyExists',
    'Resource.AlreadyAssociated',
    'DuplicateLoadBalancerName',
    'DuplicateListenerException',
    'DuplicateTargetGroupName',
    'InvalidLaunchTemplateName.AlreadyExistsException',
  ])('adopts this cluster’s resource when the create meets %s', async (code) => {
    const got = await createOrAdopt(ctx, {
      what: 'security group nodes',
      logical: 'nodes',
      create: async () => {
        throw awsError(code)
      },
      find: async () => ({actual: 'sg-1', tags: ours}),
    })
    expect(got).toBe('sg-1')
    expect(lines.join('\n')).toMatch(
      new RegExp(`security group nodes: already exists \\(${code.replace('.', '\\.')}\\); adopted`),
    )
  })

  it('waits out read-after-write lag: NotFound, then nothing, then the resource', async () => {
    let reads = 0
    const got = await createOrAdopt(ctx, {
      what: 'IAM role nodes',
      create: async () => {
        throw awsError('EntityAlreadyExists')
      },
      find: async () => {
        reads++
        if (reads === 1) throw awsError('NoSuchEntity')
        if (reads === 2) return undefined
        return {actual: 'role', tags: ours}
      },
    })
    expect(got).toBe('role')
    expect(reads).toBe(3)
  })

  it('refuses, naming the resource, what lacks this cluster’s ownership tag', async () => {
    const err = await createOrAdopt(ctx, {
      what: 'launch template nodes.adopt.example.com',
      create: async () => {
        throw awsError('InvalidLaunchTemplateName.AlreadyExistsException')
      },
      find: async () => ({actual: 'lt-1', tags: {'kubernetes.io/cluster/other.example.com': 'owned'}}),
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KforgeError)
    expect((err as Error).message).toMatch(
      /launch template nodes\.adopt\.example\.com already exists and is not this cluster's: it lacks kubernetes\.io\/cluster\/adopt\.example\.com=owned/,
    )
  })

  it('accepts kops’s KubernetesCluster tag as ownership, and refuses another logical resource of ours', async () => {
    expect(ownedBy(cluster, {KubernetesCluster: cluster})).toBe(true)
    expect(ownedBy(cluster, {KubernetesCluster: 'other'})).toBe(false)
    const err = await createOrAdopt(ctx, {
      what: 'security group x',
      logical: 'nodes',
      create: async () => {
        throw awsError('InvalidGroup.Duplicate')
      },
      find: async () => ({actual: 'sg-2', tags: {...ours, 'kforge.dev/resource': 'masters'}}),
    }).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/already exists as this cluster's masters, not nodes/)
  })

  it('an unanswered create is found by its tags and adopted, not made twice', async () => {
    let creates = 0
    let made = false
    const got = await createOrAdopt(ctx, {
      what: 'VPC vpc',
      create: async () => {
        creates++
        made = true
        throw new OutcomeUnknownError('CreateVpc', 'ECONNRESET: socket hang up')
      },
      find: async () => (made ? {actual: 'vpc-1', tags: ours} : undefined),
    })
    expect(got).toBe('vpc-1')
    expect(creates).toBe(1)
    expect(lines.join('\n')).toMatch(/made by an attempt whose answer was lost/)
  })

  it('an unanswered create that made nothing is created again once the settle window passes', async () => {
    let creates = 0
    const got = await createOrAdopt(ctx, {
      what: 'subnet a',
      create: async () => {
        creates++
        if (creates === 1) throw new OutcomeUnknownError('CreateSubnet', 'TimeoutError')
        return 'subnet-2'
      },
      find: async () => undefined,
    })
    expect(got).toBe('subnet-2')
    expect(creates).toBe(2)
  })

  it('other errors pass through untouched', async () => {
    const err = await createOrAdopt(ctx, {
      what: 'x',
      create: async () => {
        throw awsError('InvalidParameterValue')
      },
      find: async () => ({actual: 'no'}),
    }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('InvalidParameterValue')
  })
})

describe('idempotentDelete', () => {
  it('treats NotFound and the named "already done" codes as success, and nothing else', async () => {
    await idempotentDelete(async () => {
      throw awsError('InvalidVpcID.NotFound')
    })
    await idempotentDelete(async () => {
      throw awsError('NoSuchEntity')
    })
    await idempotentDelete(async () => {
      throw awsError('Gateway.NotAttached')
    }, [/^Gateway\.NotAttached$/])
    await expect(
      idempotentDelete(async () => {
        throw awsError('DependencyViolation')
      }),
    ).rejects.toThrow('DependencyViolation')
  })
})

describe('waits', () => {
  it('time out naming what was awaited and the last state seen, with progress lines on the way', async () => {
    const progress: string[] = []
    const err = await poll(
      async (c) => {
        c.state('pending')
        return undefined
      },
      {
        what: 'NAT gateway nat-1 to become available',
        timeoutMs: 60,
        intervalMs: 5,
        progress: (l) => progress.push(l),
        progressEveryMs: 20,
      },
    ).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(
      /^timed out after \d+s waiting for NAT gateway nat-1 to become available \(last state: pending\)$/,
    )
    expect(progress[0]).toMatch(/waiting for NAT gateway nat-1 to become available: \d+s so far, pending/)
  })
})

describe('clients', () => {
  it('time out a stuck call: connection and request timeouts, overridable for tests', () => {
    expect(clientConfig({region: 'us-east-1'}).requestHandler).toEqual({
      connectionTimeout: 5000,
      requestTimeout: 30000,
      throwOnRequestTimeout: true,
    })
    expect(clientConfig({region: 'us-east-1', requestTimeoutMs: 1500}).requestHandler.requestTimeout).toBe(
      1500,
    )
    const edge = awsOptions(
      {},
      {KFORGE_AWS_REQUEST_TIMEOUT_MS: '1500', KFORGE_AWS_CONNECT_TIMEOUT_MS: 'soon'},
    )
    expect(clientConfig(edge).requestHandler).toMatchObject({connectionTimeout: 5000, requestTimeout: 1500})
  })

  it('an untokened create may have acted after a reset, a timeout or a 5xx; never after throttling or a refused connection', () => {
    expect(mayHaveActed(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}))).toBe(true)
    expect(mayHaveActed(awsError('TimeoutError'))).toBe(true)
    expect(mayHaveActed(Object.assign(awsError('InternalError'), {$metadata: {httpStatusCode: 500}}))).toBe(
      true,
    )
    expect(
      mayHaveActed(Object.assign(awsError('RequestLimitExceeded'), {$metadata: {httpStatusCode: 503}})),
    ).toBe(false)
    expect(mayHaveActed(Object.assign(new Error('refused'), {code: 'ECONNREFUSED'}))).toBe(false)
  })
})
