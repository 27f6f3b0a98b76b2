/**
 * Cordon and drain a node the way `kubectl drain --ignore-daemonsets --delete-emptydir-data
 * --force` does (what kops's rolling update runs): mark it unschedulable, then evict every pod
 * bound to it except DaemonSet pods (their controller would put them straight back) and mirror
 * pods (the kubelet owns them), through the eviction subresource so PodDisruptionBudgets are
 * honoured. A budget that refuses is retried until the deadline; the timeout names each pod that
 * is still blocked and the budget's own words.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {KforgeError} from '../util/errors.js'
import type {KubeClient} from './client.js'
import {KubeApiError} from './errors.js'
import {Nodes, Pods, resourcePath} from './resources.js'
import type {Pod} from './types.js'
import {formatDuration} from './wait.js'

export interface DrainOptions {
  /** Give up (and say which pods blocked) after this long. Default: 15 minutes */
  timeoutMs?: number
  /** Between eviction retries and deletion checks. Default: 2 s */
  intervalMs?: number
  /** One line per step (cordoned, evicting, evicted, waiting on a budget). */
  onEvent?: (line: string) => void
}

export interface DrainResult {
  node: string
  /** `namespace/name` of every pod evicted. */
  evicted: string[]
  /** Pods left in place, with why (DaemonSet, mirror pod). */
  skipped: {pod: string; reason: string}[]
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror'

function podName(p: Pod): string {
  return `${p.metadata.namespace}/${p.metadata.name}`
}

export async function cordon(client: KubeClient, node: string): Promise<void> {
  await client.patch(Nodes, node, undefined, {spec: {unschedulable: true}})
}

export async function uncordon(client: KubeClient, node: string): Promise<void> {
  await client.patch(Nodes, node, undefined, {spec: {unschedulable: null}})
}

/** Why a pod stays on a draining node, or undefined when it must be evicted. */
export function keepReason(pod: Pod): string | undefined {
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined)
    return 'mirror pod (static pod of the kubelet)'
  if (pod.metadata.ownerReferences?.some((r) => r.controller && r.kind === 'DaemonSet'))
    return 'managed by a DaemonSet'
  return undefined
}

export async function podsOnNode(client: KubeClient, node: string): Promise<Pod[]> {
  const list = await client.list(Pods, undefined, {fieldSelector: `spec.nodeName=${node}`})
  // Not every server honours the field selector on every version; filter again.
  return list.items.filter((p) => p.spec.nodeName === node)
}

export type EvictionOutcome = {status: 'evicted'} | {status: 'gone'} | {status: 'blocked'; why: string}

/** One eviction attempt. A budget's refusal (429) and "more than one budget" (500) are `blocked`. */
export async function evictPod(client: KubeClient, pod: Pod): Promise<EvictionOutcome> {
  const ns = pod.metadata.namespace!
  const name = pod.metadata.name!
  try {
    await client.request('POST', resourcePath(Pods, ns, name, 'eviction'), {
      body: {apiVersion: 'policy/v1', kind: 'Eviction', metadata: {name, namespace: ns}},
    })
    return {status: 'evicted'}
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err
    if (err.code === 404) return {status: 'gone'}
    if (err.code === 429 || (err.code === 500 && /PodDisruptionBudget/.test(err.status?.message ?? ''))) {
      const causes = (err.status?.details?.causes ?? []).map((c) => c.message).filter(Boolean)
      return {status: 'blocked', why: [err.status?.message ?? err.message, ...causes].join(' ')}
    }
    throw err
  }
}

/**
 * The uids of the pods still bound to the node: a pod (this incarnation of it) is gone once its
 * uid is not among them. Listed by node rather than read one by one, so a node draining itself
 * can ask too: the Node authorizer answers a node's read of a pod no longer bound to it with 403,
 * not 404.
 */
async function uidsOnNode(client: KubeClient, node: string): Promise<Set<string | undefined>> {
  return new Set((await podsOnNode(client, node)).map((p) => p.metadata.uid))
}

export async function drainNode(
  client: KubeClient,
  node: string,
  options: DrainOptions = {},
): Promise<DrainResult> {
  const timeoutMs = options.timeoutMs ?? 15 * 60_000
  const intervalMs = options.intervalMs ?? 2000
  const say = options.onEvent ?? (() => {})
  const deadline = Date.now() + timeoutMs

  await cordon(client, node)
  say(`node ${node} cordoned`)
  const result: DrainResult = {node, evicted: [], skipped: []}
  let pending: Pod[] = []
  for (const pod of await podsOnNode(client, node)) {
    const keep = keepReason(pod)
    if (keep) result.skipped.push({pod: podName(pod), reason: keep})
    else pending.push(pod)
  }

  const terminating: Pod[] = []
  const blocked = new Map<string, string>()
  for (;;) {
    blocked.clear()
    const still: Pod[] = []
    for (const pod of pending) {
      const outcome = await evictPod(client, pod)
      if (outcome.status === 'blocked') {
        blocked.set(podName(pod), outcome.why)
        still.push(pod)
      } else {
        if (outcome.status === 'evicted') say(`evicting pod ${podName(pod)}`)
        terminating.push(pod)
      }
    }
    pending = still
    const present = terminating.length > 0 ? await uidsOnNode(client, node) : new Set<string | undefined>()
    for (const pod of [...terminating]) {
      if (!present.has(pod.metadata.uid)) {
        terminating.splice(terminating.indexOf(pod), 1)
        result.evicted.push(podName(pod))
        say(`pod ${podName(pod)} evicted`)
      }
    }
    if (pending.length === 0 && terminating.length === 0) return result
    if (Date.now() + intervalMs > deadline) break
    for (const [pod, why] of blocked) say(`pod ${pod} cannot be evicted yet (will retry): ${why}`)
    await sleep(intervalMs)
  }

  const lines = [
    ...[...blocked].map(([pod, why]) => `pod ${pod} could not be evicted: ${why}`),
    ...terminating.map((p) => `pod ${podName(p)} was evicted but has not terminated`),
  ]
  throw new KforgeError(
    `draining node ${node}: timed out after ${formatDuration(timeoutMs)}:\n${lines.map((l) => `  ${l}`).join('\n')}\n` +
      'the node stays cordoned; fix or relax the PodDisruptionBudget (or pass a longer --drain-timeout) and re-run',
  )
}
