/**
 * The node agent's termination watcher (docs/termination.md). It polls IMDS for the two notices
 * an instance gets before it goes away:
 *  - `meta-data/spot/instance-action`: EC2 reclaims this spot instance (about two minutes ahead);
 *  - `meta-data/autoscaling/target-lifecycle-state` = `Terminated`: its auto-scaling group is
 *    terminating it (scale-in, a rolling update, a health replacement), and holds it in
 *    `Terminating:Wait` for kforge's termination hook.
 * On either it cordons and drains its own node (the rolling update's drain: src/kube/drain.ts),
 * recording heartbeats on the lifecycle action while a long drain runs, then completes the action
 * so the group terminates the instance at once instead of waiting out the hook's timeout.
 *
 * IMDS that does not answer is retried at the next poll, never fatal: a watcher that exited on a
 * blip would leave the node to be killed undrained. A failed drain still completes the action: the
 * instance goes either way, and holding it until the timeout helps no pod.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import type {KubeClient} from '../../kube/client.js'
import {type DrainResult, drainNode} from '../../kube/drain.js'
import type {Imds} from './imds.js'

export const SPOT_NOTICE = 'meta-data/spot/instance-action'
export const TARGET_LIFECYCLE_STATE = 'meta-data/autoscaling/target-lifecycle-state'
export const INSTANCE_ID = 'meta-data/instance-id'

export type Notice =
  /** `action`: terminate, stop or hibernate; `time`: when EC2 acts (UTC, ISO 8601). */
  {source: 'spot'; action: string; time?: string} | {source: 'autoscaling'}

/** The lifecycle action of this instance's termination hook, on its group. */
export interface LifecycleActions {
  /** `none`: the group holds no action for this instance (it is not terminating it, or not yet). */
  complete(instanceId: string): Promise<'completed' | 'none'>
  heartbeat(instanceId: string): Promise<'recorded' | 'none'>
}

/** Who this node is to the API server, with credentials read when the drain starts. */
export interface NodeAccess {
  client: KubeClient
  node: string
}

export interface WatchOptions {
  imds: Imds
  actions: LifecycleActions
  /** Called when a notice arrives: the kubelet's client certificate may have rotated since start. */
  kube: () => Promise<NodeAccess>
  /** Between IMDS polls. Default: 5 s (a spot notice gives two minutes) */
  pollIntervalMs?: number
  /** Between heartbeats while a drain runs. Default: 100 s (a third of the hook's 300 s timeout) */
  heartbeatIntervalMs?: number
  /** Give up draining after this long (a spot notice's own deadline comes first). Default: 10 min */
  drainTimeoutMs?: number
  /** Between eviction retries. Default: drain's own (2 s) */
  drainIntervalMs?: number
  log?: (line: string) => void
  /** Stops polling (systemd's stop); a drain in progress is not cut short. */
  signal?: AbortSignal
}

export interface WatchResult {
  instanceId: string
  notice: Notice
  drain?: DrainResult
  /** Why the drain failed, when it did (the action is completed all the same). */
  drainError?: string
  /** True once the group's lifecycle action for this instance was completed. */
  completed: boolean
}

export function describeNotice(n: Notice): string {
  return n.source === 'spot'
    ? `spot interruption notice: ${n.action}${n.time ? ` at ${n.time}` : ''}`
    : 'the auto-scaling group is terminating this instance (target lifecycle state Terminated)'
}

/** One look at IMDS: the group's termination wins (it has an action to complete), then a spot notice. */
export async function readNotice(imds: Imds): Promise<Notice | undefined> {
  const [spot, target] = await Promise.all([imds.get(SPOT_NOTICE), imds.get(TARGET_LIFECYCLE_STATE)])
  if (target?.trim() === 'Terminated') return {source: 'autoscaling'}
  if (spot === undefined) return undefined
  try {
    const parsed = JSON.parse(spot) as {action?: unknown; time?: unknown}
    return {
      source: 'spot',
      action: typeof parsed.action === 'string' ? parsed.action : 'unknown',
      ...(typeof parsed.time === 'string' ? {time: parsed.time} : {}),
    }
  } catch {
    // The notice is there even if its body is not what EC2 documents: act on it.
    return {source: 'spot', action: 'unknown'}
  }
}

const DEFAULTS = {pollIntervalMs: 5000, heartbeatIntervalMs: 100_000, drainTimeoutMs: 600_000}

/**
 * Polls until `read` answers (a value, or a notice) and `accept` takes it; IMDS failures are
 * logged once per outage and retried. Undefined when the signal stops it.
 */
async function poll<T>(
  o: WatchOptions,
  what: string,
  read: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const log = o.log ?? (() => {})
  let failing = false
  while (!o.signal?.aborted) {
    try {
      const value = await read()
      if (failing) log(`IMDS answers again (${what})`)
      failing = false
      if (value !== undefined) return value
    } catch (err) {
      if (!failing) log(`IMDS did not answer (${what}): ${(err as Error).message}; retrying`)
      failing = true
    }
    await sleep(o.pollIntervalMs ?? DEFAULTS.pollIntervalMs, undefined, {signal: o.signal}).catch(() => {})
  }
  return undefined
}

/** How long the drain may take: the option, cut to just before a spot notice's deadline. */
function drainBudget(o: WatchOptions, notice: Notice): number {
  const budget = o.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs
  if (notice.source !== 'spot' || !notice.time) return budget
  const left = Date.parse(notice.time) - Date.now() - 10_000
  return Number.isFinite(left) ? Math.max(1000, Math.min(budget, left)) : budget
}

async function drainWithHeartbeats(
  o: WatchOptions,
  instanceId: string,
  notice: Notice,
): Promise<Pick<WatchResult, 'drain' | 'drainError'>> {
  const log = o.log ?? (() => {})
  let beating = true
  const timer = setInterval(() => {
    if (!beating) return
    o.actions.heartbeat(instanceId).then(
      (r) => {
        if (r === 'none')
          beating = false // nothing to keep: no action is waiting (yet)
        else log('lifecycle action heartbeat recorded')
      },
      (err: Error) => log(`lifecycle action heartbeat failed: ${err.message}`),
    )
  }, o.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs)
  try {
    const {client, node} = await o.kube()
    try {
      const drain = await drainNode(client, node, {
        timeoutMs: drainBudget(o, notice),
        ...(o.drainIntervalMs !== undefined ? {intervalMs: o.drainIntervalMs} : {}),
        onEvent: log,
      })
      log(`node ${node} drained (${drain.evicted.length} pod(s) evicted)`)
      return {drain}
    } finally {
      client.close()
    }
  } catch (err) {
    const message = (err as Error).message
    log(`drain failed, completing the lifecycle action anyway: ${message}`)
    return {drainError: message}
  } finally {
    clearInterval(timer)
  }
}

/**
 * Watch until a termination notice, drain, complete the lifecycle action. Returns undefined when
 * the signal stopped it before any notice.
 */
export async function watchTermination(o: WatchOptions): Promise<WatchResult | undefined> {
  const log = o.log ?? (() => {})
  const instanceId = await poll(o, 'instance id', () => o.imds.get(INSTANCE_ID))
  if (instanceId === undefined) return undefined
  log(`watching instance ${instanceId} for a spot interruption or its group's termination`)
  const notice = await poll(o, 'termination notices', () => readNotice(o.imds))
  if (!notice) return undefined
  log(describeNotice(notice))

  const drained = await drainWithHeartbeats(o, instanceId, notice)
  let completed = (await o.actions.complete(instanceId)) === 'completed'
  if (!completed && notice.source === 'spot') {
    // EC2 reclaims the instance; its group starts terminating it (and waits on the hook) only once
    // EC2 has. The node is drained already: complete the action as soon as it exists.
    log('no lifecycle action waits for this instance yet; completing it once the group terminates it')
    const later = await poll(o, 'target lifecycle state', async () =>
      (await readNotice(o.imds))?.source === 'autoscaling' ? true : undefined,
    )
    if (later) completed = (await o.actions.complete(instanceId)) === 'completed'
  }
  log(
    completed
      ? 'lifecycle action completed: the group may terminate the instance'
      : 'no lifecycle action to complete',
  )
  return {instanceId, notice, ...drained, completed}
}
