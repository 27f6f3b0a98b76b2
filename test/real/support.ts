/**
 * Shared set-up for the real-Kubernetes suite: the assets must exist (a missing part fails with
 * the command that provides it, never a skip) and the harness needs root.
 */
import {findKubeAssets, type KubeAssets} from '../../src/sandbox/kube-assets/build.js'
import {MODULE_ROOT} from '../../src/sandbox/kube-assets/paths.js'
import {kubectl, type LocalCluster} from '../../src/sandbox/nodes/cluster.js'

export function requireAssets(): KubeAssets {
  if (process.getuid?.() !== 0)
    throw new Error('the real-Kubernetes suite needs root (namespaces, mounts, cgroups)')
  const assets = findKubeAssets(MODULE_ROOT)
  if (!assets) throw new Error('the Kubernetes assets are missing or out of date: run `npm run kube-assets`')
  return assets
}

export async function kubeJson<T>(lc: LocalCluster, args: string[]): Promise<T> {
  return JSON.parse(await kubectl(lc, [...args, '-o', 'json'])) as T
}

export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s: ${what}${last ? ` (last error: ${String(last)})` : ''}`,
  )
}

export interface PodList {
  items: {
    metadata: {name: string; labels?: Record<string, string>}
    spec: {nodeName?: string}
    status: {phase: string; conditions?: {type: string; status: string}[]}
  }[]
}
