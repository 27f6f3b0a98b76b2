/**
 * Reboot recovery for a self-hosted control plane (kubeadm#1093's first problem). After a reboot
 * the kubelet knows only static pods, and the self-hosted ones need the API server they are part
 * of. `kforge pivot recover` (run at boot, after the kubelet starts) checks the local API; when
 * it does not answer, it installs the checkpoints — the last running self-hosted pod specs, kept
 * on the node — as static pods. Once the DaemonSet pods are bound to this node again it withdraws
 * each checkpoint (the API server last, since its DaemonSet pod can only bind the port after the
 * checkpoint lets go), waits for the DaemonSet pod to be Ready, and refreshes the checkpoint from it.
 */

import type {Logger} from '../../util/logger.js'
import type {KubeClient} from '../client.js'
import {poll} from '../wait.js'
import {checkpointPath, manifestPath, readPod, removeFile, writePod} from './files.js'
import {COMPONENTS, type Component, checkpointPod} from './mutate.js'
import {
  daemonSetPod,
  type WaitTiming,
  waitForDaemonSetPod,
  waitForHealthy,
  waitForMirrorPod,
} from './waits.js'

export interface RecoverOptions {
  client: KubeClient
  rootDir: string
  nodeName: string
  logger: Logger
  timing: WaitTiming
  /** How long the API may stay silent before checkpoints are installed. Default: 3 probes */
  probeMs?: number
}

export interface RecoverResult {
  /** Checkpoints installed as static pods because the API was down. */
  installed: Component[]
  /** Checkpoints withdrawn in favour of the DaemonSet pods. */
  withdrawn: Component[]
}

async function healthy(client: KubeClient, ms: number): Promise<boolean> {
  try {
    return (await client.health('/healthz', ms)).ok
  } catch {
    return false
  }
}

/** The components this node keeps a checkpoint of: none until its first pivot. */
export async function checkpointsOnNode(rootDir: string): Promise<Component[]> {
  const out: Component[] = []
  for (const c of COMPONENTS) if (await readPod(checkpointPath(rootDir, c))) out.push(c)
  return out
}

export const NOTHING_TO_RECOVER = 'no checkpoints on this node: not self-hosted here'

export async function recover(o: RecoverOptions): Promise<RecoverResult> {
  const log = (m: string) => o.logger.info(`[pivot recover] ${m}`)
  const result: RecoverResult = {installed: [], withdrawn: []}
  const checkpoints = await checkpointsOnNode(o.rootDir)
  if (checkpoints.length === 0) {
    log(NOTHING_TO_RECOVER)
    return result
  }
  const probe = o.probeMs ?? 3 * Math.max(500, o.timing.intervalMs)
  let up = await healthy(o.client, probe)
  if (!up) {
    for (const c of checkpoints) {
      if (await readPod(manifestPath(o.rootDir, c))) continue
      await writePod(manifestPath(o.rootDir, c), (await readPod(checkpointPath(o.rootDir, c)))!)
      result.installed.push(c)
    }
    log(
      `API server not answering; installed checkpoints as static pods: ${result.installed.join(', ') || '(none)'}`,
    )
    await waitForHealthy(o.client, o.timing)
    up = true
    log('API server is back from the checkpoints')
  }
  // withdraw active checkpoints, API server last
  const order: Component[] = ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver']
  for (const c of order) {
    const active = await readPod(manifestPath(o.rootDir, c))
    if (!active?.metadata.annotations?.['kforge.dev/checkpoint-of']) continue
    await poll(async () => ((await daemonSetPod(o.client, c, o.nodeName)) ? true : undefined), {
      ...o.timing,
      what: `the self-hosted ${c} pod to be bound to ${o.nodeName} again`,
    })
    await removeFile(manifestPath(o.rootDir, c))
    if (c === 'kube-apiserver') await waitForHealthy(o.client, o.timing)
    const pod = await waitForDaemonSetPod(o.client, c, o.nodeName, 'ready', o.timing)
    await waitForMirrorPod(o.client, c, o.nodeName, 'gone', o.timing)
    await writePod(checkpointPath(o.rootDir, c), checkpointPod(pod, c, o.nodeName))
    result.withdrawn.push(c)
    log(`${c}: the DaemonSet pod is Ready; checkpoint withdrawn and refreshed`)
  }
  return result
}
