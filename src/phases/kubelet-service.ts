/**
 * (Re)starts the kubelet service once its files are written, as kubeadm's kubelet-start does on
 * init and join alike. A kubelet installed from the mirror is enabled, not started (only a
 * distribution package starts it on install), so a join that only waited for a crash-looping
 * kubelet to find its config would wait forever on an instance.
 */
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import type {Logger} from '../util/logger.js'

const exec = promisify(execFile)

export async function restartKubelet(phase: string, logger: Logger): Promise<void> {
  try {
    await exec('systemctl', ['restart', 'kubelet'])
    logger.info(`[${phase}] restarted the kubelet service`)
  } catch (err) {
    // as kubeadm: a node without systemd or a kubelet unit still gets its files; say so loudly
    logger.warn(`[${phase}] could not restart the kubelet service: ${(err as Error).message.split('\n')[0]}`)
  }
}
