/** Apply a list of manifests in order with kubeadm's create-or-update semantics; report each result. */
import {type ApplyResult, createOrUpdate} from '../apply.js'
import type {KubeClient} from '../client.js'
import {describeObject} from '../resources.js'
import type {Manifest} from './types.js'

export async function applyAll(
  client: KubeClient,
  manifests: readonly Manifest[],
  log: (line: string) => void = () => {},
): Promise<{name: string; result: ApplyResult}[]> {
  const out: {name: string; result: ApplyResult}[] = []
  for (const m of manifests) {
    const name = describeObject(m.type, m.object.metadata.namespace, m.object.metadata.name)
    const result = await createOrUpdate(client, m.type, m.object)
    log(`${result} ${name}`)
    out.push({name, result})
  }
  return out
}

/** What an apply would do, without an API: for --dry-run. */
export function describeAll(manifests: readonly Manifest[]): string[] {
  return manifests.map((m) => describeObject(m.type, m.object.metadata.namespace, m.object.metadata.name))
}
