/**
 * Shared set-up for the real-Kubernetes suite: the assets must exist (a missing part fails with
 * the command that provides it, never a skip) and the harness needs root.
 */
import {existsSync, statfsSync} from 'node:fs'
import {dirname} from 'node:path'
import {findKubeAssets, type KubeAssets} from '../../src/sandbox/kube-assets/build.js'
import {MODULE_ROOT} from '../../src/sandbox/kube-assets/paths.js'
import {kubectl, type LocalCluster, localBase, waitFor} from '../../src/sandbox/nodes/cluster.js'

/**
 * What the largest cluster of the suite needs on disk, with room to spare: each node holds the
 * images twice (compressed blobs and unpacked snapshots, about 0.6 GiB) plus its logs and etcd.
 */
const DISK_NEEDED_GIB = 5

export function requireAssets(): KubeAssets {
  if (process.getuid?.() !== 0)
    throw new Error('the real-Kubernetes suite needs root (namespaces, mounts, cgroups)')
  const assets = findKubeAssets(MODULE_ROOT)
  if (!assets) throw new Error('the Kubernetes assets are missing or out of date: run `npm run kube-assets`')
  requireDisk(localBase())
  return assets
}

/** A disk that fills mid-test fails far from its cause (an image import, an evicted pause image): say it first. */
function requireDisk(base: string): void {
  let dir = base
  while (!existsSync(dir)) dir = dirname(dir)
  const fs = statfsSync(dir)
  const freeGiB = (fs.bavail * fs.bsize) / 2 ** 30
  if (freeGiB < DISK_NEEDED_GIB)
    throw new Error(
      `the real-Kubernetes suite needs about ${DISK_NEEDED_GIB} GiB free under ${base} (the local nodes' disks); ${freeGiB.toFixed(1)} GiB are free there`,
    )
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
