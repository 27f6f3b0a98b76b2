/**
 * Creates that already took effect are success. AWS answers a create whose first attempt was
 * acted on but never answered (a lost response, a client timeout, a killed run) in one of three
 * ways: the same answer again (an idempotency token), "already exists" (a name or content that
 * must be unique), or a second resource (neither). Every kind creates through `createOrAdopt`:
 * on "already exists" it finds the resource, checks that it is this cluster's, and adopts it; on
 * an unknown outcome (unknown-outcome.ts) it looks for what the first attempt made, by the tags
 * it set at creation, before creating again. Finding waits out read-after-write lag: a resource
 * AWS just refused to duplicate exists, even while Describe still says NotFound.
 */
import {KforgeError} from '../../../util/errors.js'
import {clusterTagKey, RESOURCE_TAG} from '../tags.js'
import {OutcomeUnknownError} from '../unknown-outcome.js'
import {awsErrorCode, isNotFound} from './errors.js'
import type {FindContext, Tags} from './types.js'
import {settle} from './wait.js'

/** Error codes (the SDK error's name) with which AWS refuses to make something a second time. */
export const ALREADY_EXISTS: ReadonlySet<string> = new Set([
  // EC2
  'InvalidPermission.Duplicate',
  'InvalidGroup.Duplicate',
  'InvalidKeyPair.Duplicate',
  'InvalidLaunchTemplateName.AlreadyExistsException',
  'RouteAlreadyExists',
  'Resource.AlreadyAssociated',
  // IAM
  'EntityAlreadyExists',
  'EntityAlreadyExistsException',
  // Auto Scaling (code AlreadyExists, SDK name AlreadyExistsFault)
  'AlreadyExists',
  'AlreadyExistsFault',
  // KMS (CreateAlias)
  'AlreadyExistsException',
  // ELBv2 (the code, and the name the SDK gives its exception)
  'DuplicateLoadBalancerName',
  'DuplicateLoadBalancerNameException',
  'DuplicateTargetGroupName',
  'DuplicateTargetGroupNameException',
  'DuplicateListener',
  'DuplicateListenerException',
  // Route53 (a CallerReference used before)
  'HostedZoneAlreadyExists',
])

export function isAlreadyExists(err: unknown): boolean {
  return ALREADY_EXISTS.has(awsErrorCode(err))
}

export interface Found<A> {
  actual: A
  /**
   * The resource's tags, checked for this cluster's ownership. Undefined for what cannot carry
   * tags and is found only inside a parent the cluster owns (a route in its route table, a rule
   * in its security group, a listener of its load balancer): the parent proves ownership.
   */
  tags?: Tags
}

export interface CreateOrAdopt<A> {
  /** For messages: `security group nodes.example.com in vpc-1`. */
  what: string
  /** The model's logical name: an owned resource tagged for another logical name is not adopted. */
  logical?: string
  create: () => Promise<A>
  /** The resource an earlier attempt made, if it can be seen. */
  find: () => Promise<Found<A> | undefined>
}

/** The cluster owns it: `kubernetes.io/cluster/<name>=owned`, or kops's older `KubernetesCluster=<name>`. */
export function ownedBy(cluster: string, tags: Tags): boolean {
  return tags[clusterTagKey(cluster)] === 'owned' || tags.KubernetesCluster === cluster
}

function adopt<A>(ctx: FindContext, spec: CreateOrAdopt<A>, found: Found<A>, why: string): A {
  if (found.tags !== undefined) {
    if (!ownedBy(ctx.cluster, found.tags)) {
      throw new KforgeError(
        `${spec.what} already exists and is not this cluster's: it lacks ${clusterTagKey(ctx.cluster)}=owned ` +
          `(and KubernetesCluster=${ctx.cluster}); kforge will not adopt it. Delete or rename it, or choose another cluster name`,
      )
    }
    const logical = found.tags[RESOURCE_TAG]
    if (spec.logical !== undefined && logical !== undefined && logical !== spec.logical) {
      throw new KforgeError(
        `${spec.what} already exists as this cluster's ${logical}, not ${spec.logical}; kforge will not adopt it`,
      )
    }
  }
  ctx.logger.info(`  = ${spec.what}: ${why}; adopted it`)
  return found.actual
}

/** `find`, with NotFound (read-after-write lag) meaning "not seen yet". */
async function look<A>(spec: CreateOrAdopt<A>): Promise<Found<A> | undefined> {
  try {
    return await spec.find()
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

export async function createOrAdopt<A>(ctx: FindContext, spec: CreateOrAdopt<A>): Promise<A> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spec.create()
    } catch (err) {
      if (isAlreadyExists(err)) {
        const code = awsErrorCode(err)
        // It exists: wait out the lag until a read shows it.
        const found = await settle(() => look(spec), {
          what: `${spec.what} (AWS says ${code})`,
          sure: true,
          timings: ctx.aws.timings,
        })
        if (!found) {
          throw new KforgeError(
            `${spec.what}: AWS answers ${code} but no read shows it; run the command again in a minute`,
            {cause: err},
          )
        }
        return adopt(ctx, spec, found, `already exists (${code})`)
      }
      if (err instanceof OutcomeUnknownError) {
        // Made or not: what the first attempt made carries its tags from the create call.
        const found = await settle(() => look(spec), {
          what: `${spec.what} after ${err.detail}`,
          sure: false,
          timings: ctx.aws.timings,
        })
        if (found) return adopt(ctx, spec, found, `made by an attempt whose answer was lost (${err.detail})`)
        if (attempt >= 3) throw new KforgeError(`${spec.what}: ${err.message}`, {cause: err})
        continue
      }
      throw err
    }
  }
}

/**
 * Runs a delete step; NotFound (and the other ways AWS says "already done") is success: a
 * retried delete whose first attempt was acted on meets exactly that.
 */
export async function idempotentDelete(
  step: () => Promise<unknown>,
  alsoDone: readonly RegExp[] = [],
): Promise<void> {
  try {
    await step()
  } catch (err) {
    if (isNotFound(err)) return
    const code = awsErrorCode(err)
    const message = err instanceof Error ? err.message : String(err)
    if (alsoDone.some((r) => r.test(code) || r.test(message))) return
    throw err
  }
}
