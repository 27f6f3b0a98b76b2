/**
 * kube-controller-manager's `disruption` controller: each PodDisruptionBudget's status, which the
 * eviction subresource goes by. Expected pods are the non-terminal pods of the budget's namespace
 * that its selector matches, healthy ones are those Ready; `minAvailable` and `maxUnavailable`
 * take integers or percentages (rounded up, as the controller does).
 */
import type {LabelSelector, Pod} from '../../../../src/kube/types.js'
import {resourceByKind} from '../registry.js'
import type {Obj, Store} from '../store.js'
import {podReady} from './scheduling.js'

export interface Budget extends Obj {
  spec: {selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string}
}

export interface BudgetStatus {
  observedGeneration: number
  expectedPods: number
  currentHealthy: number
  desiredHealthy: number
  disruptionsAllowed: number
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
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

const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'

export function budgetStatus(store: Store, budget: Budget): BudgetStatus {
  const members = (store.list(resourceByKind('Pod'), budget.metadata.namespace) as (Obj & Pod)[]).filter(
    (p) => selects(budget.spec.selector, p.metadata.labels ?? {}) && !terminal(p),
  )
  const expectedPods = members.length
  const currentHealthy = members.filter(podReady).length
  const desiredHealthy =
    budget.spec.minAvailable !== undefined
      ? scaled(budget.spec.minAvailable, expectedPods)
      : Math.max(0, expectedPods - scaled(budget.spec.maxUnavailable ?? 0, expectedPods))
  return {
    observedGeneration: budget.metadata.generation ?? 1,
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  }
}

export function syncDisruptionBudgets(store: Store): void {
  const res = resourceByKind('PodDisruptionBudget')
  for (const budget of store.list(res) as Budget[]) {
    const next = budgetStatus(store, budget)
    const live = (budget.status ?? {}) as Record<string, unknown>
    if (Object.entries(next).every(([k, v]) => live[k] === v)) continue
    store.update(
      res,
      budget.metadata.namespace,
      budget.metadata.name!,
      {...budget, status: {...live, ...next}},
      'status',
    )
  }
}
