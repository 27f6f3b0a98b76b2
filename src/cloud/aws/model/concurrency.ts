/** Bounded parallelism: a plain map, and a dependency graph walked as soon as each node's inputs are done. */

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return out
}

export interface GraphNode {
  name: string
  /** Names of nodes (in the same graph) that must finish first; others are ignored. */
  deps: readonly string[]
}

/**
 * Runs `work` for every node once all its deps have finished, at most `limit` at a time, in
 * the given order among the ready ones. On the first failure no new node starts; the ones in
 * flight finish, then the failures are thrown together.
 */
export async function runGraph(
  nodes: readonly GraphNode[],
  limit: number,
  work: (name: string) => Promise<void>,
): Promise<void> {
  const names = new Set(nodes.map((n) => n.name))
  const waiting = new Map<string, number>()
  const dependents = new Map<string, string[]>()
  for (const n of nodes) {
    const deps = [...new Set(n.deps)].filter((d) => names.has(d) && d !== n.name)
    waiting.set(n.name, deps.length)
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n.name])
  }
  const order = new Map(nodes.map((n, i) => [n.name, i]))
  const ready = nodes.filter((n) => waiting.get(n.name) === 0).map((n) => n.name)
  const failures: unknown[] = []
  let running = 0
  let finished = 0

  await new Promise<void>((resolve) => {
    const pump = () => {
      while (failures.length === 0 && running < limit && ready.length > 0) {
        ready.sort((a, b) => order.get(a)! - order.get(b)!)
        const name = ready.shift()!
        running++
        work(name).then(
          () => {
            running--
            finished++
            for (const dep of dependents.get(name) ?? []) {
              const left = waiting.get(dep)! - 1
              waiting.set(dep, left)
              if (left === 0) ready.push(dep)
            }
            pump()
          },
          (err: unknown) => {
            running--
            failures.push(err)
            pump()
          },
        )
      }
      if (running === 0 && (failures.length > 0 || ready.length === 0)) resolve()
    }
    pump()
  })
  if (failures.length === 1) throw failures[0]
  if (failures.length > 1)
    throw new AggregateError(failures, failures.map((f) => String((f as Error).message ?? f)).join('\n'))
  if (finished < nodes.length && failures.length === 0) {
    const stuck = nodes.filter((n) => waiting.get(n.name)! > 0).map((n) => n.name)
    throw new Error(`dependency cycle among: ${stuck.join(', ')}`)
  }
}
