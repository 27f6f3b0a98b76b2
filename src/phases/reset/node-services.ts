/**
 * What kubeadm's cleanup-node does to the running node before it deletes files: stop the kubelet
 * (so nothing recreates what is removed), remove every Kubernetes container, and unmount what the
 * kubelet mounted under its directory. Only on the real node (root dir `/`), never in dry-run.
 */
import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {promisify} from 'node:util'
import type {Logger} from '../../util/logger.js'

const exec = promisify(execFile)

export async function stopKubelet(logger: Logger): Promise<void> {
  try {
    await exec('systemctl', ['stop', 'kubelet'])
    logger.info('[reset] Stopped the kubelet service')
  } catch (err) {
    logger.warn(`[reset] could not stop the kubelet service: ${(err as Error).message.split('\n')[0]}`)
  }
}

/** Stop and disable a kforge unit the node has (reset removes its file afterwards). */
export async function stopUnit(unit: string, logger: Logger): Promise<void> {
  try {
    await exec('systemctl', ['disable', '--now', unit])
    logger.info(`[reset] Stopped and disabled ${unit}`)
  } catch (err) {
    logger.warn(`[reset] could not stop ${unit}: ${(err as Error).message.split('\n')[0]}`)
  }
}

/**
 * Every container of containerd's Kubernetes namespace, killed and deleted through `ctr` (shipped
 * with containerd, the runtime kforge installs). Pod network teardown is left to the CNI's own
 * cleanup of the bridge and namespaces.
 */
export async function removeContainers(criSocket: string, logger: Logger): Promise<void> {
  const address = criSocket.replace(/^unix:\/\//, '')
  const ctr = (...args: string[]) => exec('ctr', ['--address', address, '-n', 'k8s.io', ...args])
  let ids: string[]
  try {
    ids = (await ctr('containers', 'ls', '-q')).stdout.split('\n').filter(Boolean)
  } catch (err) {
    logger.warn(`[reset] could not list containers at ${criSocket}: ${(err as Error).message.split('\n')[0]}`)
    return
  }
  for (const id of ids) {
    await ctr('tasks', 'kill', '-s', 'SIGKILL', id).catch(() => undefined)
  }
  for (const id of ids) {
    // a killed task needs a moment before it can be deleted
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = await ctr('tasks', 'delete', id).catch((e: Error) => e)
      if (!(r instanceof Error) || /not found/.test(r.message)) break
      await new Promise((res) => setTimeout(res, 250))
    }
    await ctr('containers', 'delete', id).catch(() => undefined)
  }
  logger.info(`[reset] Removed ${ids.length} container(s)`)
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8')
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p?.startsWith(`${dir}/`) === true)
    .map((p) => p.replace(/\\040/g, ' '))
  return [...new Set(points)].sort((a, b) => b.length - a.length)
}

export async function unmountUnder(dir: string, logger: Logger): Promise<void> {
  for (const point of await mountsUnder(dir)) {
    try {
      await exec('umount', [point])
    } catch (err) {
      logger.warn(`[reset] could not unmount ${point}: ${(err as Error).message.split('\n')[0]}`)
    }
  }
}
