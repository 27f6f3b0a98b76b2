/**
 * The order every target walks the model in: each resource after what it refers to (its Refs)
 * and what it waits for (`dependsOn`). Shared by the direct target (apply order) and the
 * CloudFormation target (resource order in the template), so neither depends on the other.
 */
import {KforgeError} from '../../../util/errors.js'
import {refTargets} from './refs.js'
import type {Desired, Model} from './types.js'

/** Dependency order (each resource after what it refers to), stable with respect to model order. */
export function dependencyOrder(model: Model): Desired[] {
  const byName = new Map(model.resources.map((r) => [r.name, r]))
  const deps = new Map<string, string[]>()
  for (const r of model.resources) {
    const targets = [...refTargets(r.props), ...(r.dependsOn ?? [])]
    for (const t of targets) {
      if (!byName.has(t))
        throw new KforgeError(`resource ${r.kind} ${r.name} refers to ${t}, which the model does not have`)
    }
    deps.set(r.name, targets)
  }
  const done = new Set<string>()
  const out: Desired[] = []
  while (out.length < model.resources.length) {
    const before = out.length
    for (const r of model.resources) {
      if (done.has(r.name)) continue
      if (deps.get(r.name)!.every((d) => done.has(d) || d === r.name)) {
        done.add(r.name)
        out.push(r)
      }
    }
    if (out.length === before) {
      const left = model.resources.filter((r) => !done.has(r.name)).map((r) => r.name)
      throw new KforgeError(`the resource model has a dependency cycle among: ${left.join(', ')}`)
    }
  }
  return out
}

/** What `d` must wait for: the resources it refers to and the ones it names in `dependsOn`. */
export function dependenciesOf(d: Desired): string[] {
  return [...new Set([...refTargets(d.props), ...(d.dependsOn ?? [])])]
}
