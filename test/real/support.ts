/**
 * Shared set-up for the real-Kubernetes suite: the assets must exist (a missing part fails with
 * the command that provides it, never a skip) and the harness needs root.
 */
import {findKubeAssets, type KubeAssets} from '../../src/sandbox/kube-assets/build.js'
import {MODULE_ROOT} from '../../src/sandbox/kube-assets/paths.js'
import {kubectl, type LocalCluster, waitFor} from '../../src/sandbox/nodes/cluster.js'

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

/** The local cluster's own wait, under the name the tests read best. */
export const eventually = waitFor

export interface PodList {
  items: {
    metadata: {name: string; labels?: Record<string, string>}
    spec: {nodeName?: string}
    status: {phase: string; conditions?: {type: string; status: string}[]}
  }[]
}
