/**
 * The pivot, per component in kubeadm's order (apiserver, controller-manager, scheduler): create
 * the DaemonSet, wait for its pod, move the static manifest aside (kept as a backup), wait for the
 * mirror pod to go and /healthz to answer, then checkpoint the running pod for reboots. A
 * component that fails midway is put back on its static pod and the error says which step failed.
 *
 * Every component's DaemonSet pod shares its host port with the static pod it replaces, and the
 * static pod (made by the control-plane phase, as kubeadm makes it) did not bind with
 * SO_REUSEPORT, so the new pod can only become Ready once the static pod is gone: on the real
 * kubelet it crash-loops on "address already in use" until then (the API server on 6443, the
 * controller-manager on 10257, the scheduler on 10259). kubeadm waited for Running, not Ready, for
 * that reason; so does kforge, for all three, then confirms through /healthz and the pod's Ready
 * condition once the static pod is gone.
 */

import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'
import {createOrUpdate} from '../apply.js'
import type {KubeClient} from '../client.js'
import {DaemonSets} from '../resources.js'
import {backupPath, checkpointPath, manifestPath, moveFile, readPod, removeFile, writePod} from './files.js'
import {COMPONENTS, type Component, checkpointPod, daemonSetName, staticPodToDaemonSet} from './mutate.js'
import {type WaitTiming, waitForDaemonSetPod, waitForHealthy, waitForMirrorPod} from './waits.js'

export interface PivotOptions {
  client: KubeClient
  rootDir: string
  nodeName: string
  logger: Logger
  /** Per wait. */
  timing: WaitTiming
  /** Default: all three, in order */
  components?: readonly Component[]
}

export async function pivot(o: PivotOptions): Promise<void> {
  for (const component of o.components ?? COMPONENTS) {
    await pivotComponent(o, component)
  }
}

async function pivotComponent(o: PivotOptions, component: Component): Promise<void> {
  const log = (m: string) => o.logger.info(`[self-hosting] ${m}`)
  const manifest = manifestPath(o.rootDir, component)
  const backup = backupPath(o.rootDir, component)
  const pod = await readPod(manifest)
  if (!pod) {
    if (await o.client.find(DaemonSets, daemonSetName(component), 'kube-system')) {
      log(`${component} is already self-hosted`)
      return
    }
    throw new KforgeError(`self-hosting: ${manifest} does not exist; nothing to pivot for ${component}`)
  }
  const ds = staticPodToDaemonSet(pod, component)
  let step = `create DaemonSet kube-system/${ds.metadata.name}`
  let movedAside = false
  try {
    log(`Creating self-hosted ${component} (DaemonSet ${ds.metadata.name})`)
    await createOrUpdate(o.client, DaemonSets, ds)
    step = `wait for the ${ds.metadata.name} pod on ${o.nodeName}`
    await waitForDaemonSetPod(o.client, component, o.nodeName, 'running', o.timing)
    step = `move the static manifest ${manifest} aside`
    await moveFile(manifest, backup)
    movedAside = true
    log(`Moved the static manifest to ${backup}`)
    step = `wait for the static ${component} mirror pod to go`
    await waitForMirrorPod(o.client, component, o.nodeName, 'gone', o.timing)
    step = 'wait for /healthz'
    await waitForHealthy(o.client, o.timing)
    step = `wait for the ${ds.metadata.name} pod to be Ready`
    const running = await waitForDaemonSetPod(o.client, component, o.nodeName, 'ready', o.timing)
    step = 'write the checkpoint'
    await writePod(checkpointPath(o.rootDir, component), checkpointPod(running, component, o.nodeName))
    log(`${component} is self-hosted; checkpoint written`)
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    o.logger.warn(`[self-hosting] ${component}: failed to ${step}: ${why}; rolling back to the static pod`)
    await rollBackComponent(o, component, movedAside)
    throw new KforgeError(
      `self-hosting ${component}: failed to ${step}: ${why}. Rolled back: ${component} runs from its static manifest again`,
      {cause: err},
    )
  }
}

/** Undo a half-done pivot: static manifest back in place, DaemonSet (and its pods) deleted. */
async function rollBackComponent(o: PivotOptions, component: Component, movedAside: boolean): Promise<void> {
  const manifest = manifestPath(o.rootDir, component)
  if (movedAside) {
    const saved = await readPod(backupPath(o.rootDir, component))
    if (saved) await writePod(manifest, saved)
    await removeFile(backupPath(o.rootDir, component))
  }
  await removeFile(checkpointPath(o.rootDir, component))
  try {
    await o.client.deleteIfExists(DaemonSets, daemonSetName(component), 'kube-system', {
      propagationPolicy: 'Background',
    })
  } catch (err) {
    o.logger.warn(
      `[self-hosting] could not delete DaemonSet ${daemonSetName(component)} (${(err as Error).message}); delete it once the API is back`,
    )
  }
}
