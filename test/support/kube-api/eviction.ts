/**
 * The eviction subresource (`POST .../pods/<name>/eviction`, policy/v1 Eviction) with
 * PodDisruptionBudget checks, worded as kube-apiserver words them. The disruption controller's
 * arithmetic (controllers/disruption.ts) is done afresh at eviction time, where the real server
 * goes by the status the controller last wrote: a test that needs the real lag waits on the status.
 */
import type {Pod} from '../../../src/kube/types.js'
import {type Budget, budgetStatus, selects} from './controllers/disruption.js'
import {podReady} from './controllers/scheduling.js'
import {resourceByKind} from './registry.js'
import {StatusError} from './status.js'
import type {Obj, Store} from './store.js'

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
    selects(b.spec.selector, labels),
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
    const {currentHealthy: healthy, desiredHealthy: desired} = budgetStatus(store, budget)
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
