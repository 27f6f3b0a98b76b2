/**
 * What `kforge pivot recover` and `kforge pivot rollback` share: an API client from the node's
 * kubeconfig and the wait timing from the flags (the poll interval from the CLI's timings), closed
 * whatever the action does.
 */

import type {RollbackOptions} from '../kube/selfhosting/rollback.js'
import type {Logger} from '../util/logger.js'

export interface PivotFlagValues {
  kubeconfig?: string
  'root-dir': string
  'node-name': string
  timeout: string
}

export async function withPivotSession<T>(
  flags: PivotFlagValues,
  logger: Logger,
  action: (options: RollbackOptions) => Promise<T>,
): Promise<T> {
  const {loadKubeconfig} = await import('../kube/kubeconfig.js')
  const {KubeClient} = await import('../kube/client.js')
  const {kubeconfigPath} = await import('./kube-flags.js')
  const {parseDuration} = await import('../kube/wait.js')
  const {timingsFromEnv} = await import('./timings.js')
  const client = new KubeClient(await loadKubeconfig(kubeconfigPath(flags), {rootDir: flags['root-dir']}))
  try {
    return await action({
      client,
      rootDir: flags['root-dir'],
      nodeName: flags['node-name'],
      logger,
      timing: {
        intervalMs: timingsFromEnv().nodePollMs ?? 1000,
        timeoutMs: parseDuration(flags.timeout, '--timeout'),
      },
    })
  } finally {
    client.close()
  }
}
