/**
 * The eviction subresource (`POST .../pods/<name>/eviction`, policy/v1 Eviction) with
 * PodDisruptionBudget checks, worded as kube-apiserver words them. The disruption controller's
 * arithmetic is done at eviction time over the pods of the PDB's namespace that its selector
 * matches: expected = the non-terminal ones, healthy = those Ready; `minAvailable` and
 * `maxUnavailable` take integers or percentages (rounded up, as the controller does).
 */
import type {LabelSelector, Pod} from '../../../src/kube/types.js'
import {podReady} from './controllers/scheduling.js'
import {resourceByKind} from './registry.js'
import {StatusError} from './status.js'
import type {Obj, Store} from './store.js'

interface Budget extends Obj {
  spec: {selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string}
}

function matches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  // policy/v1: an empty selector matches every pod in the namespace; a missing one matches none.
  if (!selector) return false
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const r of selector.matchExpressions ?? []) {
    const value = labels[r.key]
    const ok =
      r.operator === 'In'
        ? value !== undefined && (r.values ?? []).includes(value)
        : r.operator === 'NotIn'
          ? value === undefined || !(r.values ?? []).includes(value)
          : r.operator === 'Exists'
            ? value !== undefined
            : value === undefined
    if (!ok) return false
  }
  return true
}

function scaled(value: number | string, total: number): number {
  if (typeof value === 'number') return value
  const pct = /^(\d+)%$/.exec(value)
  return pct ? Math.ceil((Number(pct[1]) * total) / 100) : Number(value)
}

function failure(
  code: number,
  reason: string,
  message: string,
  causes?: {reason: string; message: string}[],
) {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...(causes ? {details: {causes}} : {}),
  })
}

/** Evict (delete) the pod if every budget allows it; otherwise throw the server's 429. */
export function evict(store: Store, namespace: string, name: string): {code: number; body: unknown} {
  const podsRes = resourceByKind('Pod')
  const pod = store.mustGet(podsRes, namespace, name) as Obj & Pod
  const labels = pod.metadata.labels ?? {}
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
  const budgets = (store.list(resourceByKind('PodDisruptionBudget'), namespace) as Budget[]).filter((b) =>
    matches(b.spec.selector, labels),
  )
  if (budgets.length > 1 && !terminal) {
    throw failure(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    )
  }
  const budget = budgets[0]
  if (budget && !terminal) {
    const members = (store.list(podsRes, namespace) as (Obj & Pod)[]).filter(
      (p) =>
        matches(budget.spec.selector, p.metadata.labels ?? {}) &&
        p.status?.phase !== 'Succeeded' &&
        p.status?.phase !== 'Failed',
    )
    const expected = members.length
    const healthy = members.filter(podReady).length
    const desired =
      budget.spec.minAvailable !== undefined
        ? scaled(budget.spec.minAvailable, expected)
        : expected - scaled(budget.spec.maxUnavailable ?? 0, expected)
    // An unhealthy pod may go whenever the budget is met (unhealthyPodEvictionPolicy IfHealthyBudget).
    const allowed = podReady(pod) ? healthy - desired > 0 : healthy >= desired
    if (!allowed) {
      throw failure(
        429,
        'TooManyRequests',
        "Cannot evict pod as it would violate the pod's disruption budget.",
        [
          {
            reason: 'DisruptionBudget',
            message: `The disruption budget ${budget.metadata.name} needs ${desired} healthy pods and has ${healthy} currently`,
          },
        ],
      )
    }
  }
  store.delete(podsRes, namespace, name)
  return {
    code: 201,
    body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201},
  }
}
