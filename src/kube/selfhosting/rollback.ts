/**
 * Un-pivot (`kforge pivot rollback`): for the scheduler, the controller-manager, then the API
 * server, write the static manifest back from the DaemonSet's current template (the self-hosting
 * mutations undone), wait for the static pod to be Ready, and only then delete the DaemonSet. Both
 * copies serve on the same port meanwhile (`--permit-port-sharing`, see ./mutate.ts), so the API
 * keeps answering throughout. The API server goes last and only after its static manifest has
 * been checked for files that are not on disk.
 */
import {access} from 'node:fs/promises'
import {join} from 'node:path'
import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'
import type {KubeClient} from '../client.js'
import {DaemonSets, Nodes} from '../resources.js'
import type {Pod} from '../types.js'
import {poll} from '../wait.js'
import {backupPath, checkpointPath, manifestPath, readPod, removeFile, writePod} from './files.js'
import {COMPONENTS, type Component, daemonSetName, daemonSetToStaticPod} from './mutate.js'
import {daemonSetPod, type WaitTiming, waitForHealthy, waitForMirrorPod} from './waits.js'

export interface RollbackOptions {
  client: KubeClient
  rootDir: string
  nodeName: string
  logger: Logger
  timing: WaitTiming
}

/** Host paths named by `--*-file=` style flags that do not exist under the root dir. */
export async function missingFiles(rootDir: string, pod: Pod): Promise<string[]> {
  const paths = pod.spec.containers
    .flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])])
    .map((a) => /^--[a-z-]*(?:file|cert|key)[a-z-]*=(\/\S+)$/.exec(a)?.[1])
    .filter((p): p is string => p !== undefined)
  const missing: string[] = []
  for (const p of paths) {
    try {
      await access(join(rootDir, p))
    } catch {
      missing.push(p)
    }
  }
  return missing
}

async function nodeIP(client: KubeClient, node: string): Promise<string> {
  const n = await client.get(Nodes, node)
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address
  if (!ip) throw new KforgeError(`Node ${node} has no InternalIP address to advertise`)
  return ip
}

export async function rollback(o: RollbackOptions): Promise<Component[]> {
  const log = (m: string) => o.logger.info(`[pivot rollback] ${m}`)
  const restored: Component[] = []
  const order = [...COMPONENTS].reverse()
  for (const component of order) {
    const ds = await o.client.find(DaemonSets, daemonSetName(component), 'kube-system')
    const manifest = manifestPath(o.rootDir, component)
    if (!ds) {
      const backup = await readPod(backupPath(o.rootDir, component))
      const current = await readPod(manifest)
      if (!current && backup) {
        await writePod(manifest, backup)
        log(`${component}: no DaemonSet; restored the static manifest from its backup`)
        restored.push(component)
      } else {
        log(`${component}: not self-hosted, nothing to do`)
      }
      await removeFile(checkpointPath(o.rootDir, component))
      continue
    }
    const staticPod = daemonSetToStaticPod(ds, component, await nodeIP(o.client, o.nodeName))
    const missing = await missingFiles(o.rootDir, staticPod)
    if (missing.length) {
      throw new KforgeError(
        `pivot rollback: ${component}: the static pod would not start, these files are missing under ${o.rootDir}: ${missing.join(', ')}. Nothing was changed for ${component}`,
      )
    }
    await writePod(manifest, staticPod)
    log(`${component}: wrote ${manifest} from DaemonSet ${daemonSetName(component)}`)
    await waitForMirrorPod(o.client, component, o.nodeName, 'ready', o.timing)
    await o.client.deleteIfExists(DaemonSets, daemonSetName(component), 'kube-system', {
      propagationPolicy: 'Background',
    })
    await poll(async () => ((await daemonSetPod(o.client, component, o.nodeName)) ? undefined : true), {
      ...o.timing,
      what: `the ${daemonSetName(component)} pod to terminate`,
    })
    await waitForHealthy(o.client, o.timing)
    await removeFile(checkpointPath(o.rootDir, component))
    await removeFile(backupPath(o.rootDir, component))
    log(`${component}: back on its static pod`)
    restored.push(component)
  }
  return restored
}
