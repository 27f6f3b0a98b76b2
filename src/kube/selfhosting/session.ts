/**
 * What `kforge pivot recover` and `kforge pivot rollback` share: an API client from the node's
 * kubeconfig and the wait timing from the flags, closed whatever the action does.
 */
import type {Logger} from '../../util/logger.js'
import type {RollbackOptions} from './rollback.js'

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
  const {loadKubeconfig} = await import('../kubeconfig.js')
  const {KubeClient} = await import('../client.js')
  const {kubeconfigPath} = await import('../../cli/kube-flags.js')
  const {parseDuration} = await import('../wait.js')
  const {pollInterval} = await import('../../phases/init/api/context.js')
  const client = new KubeClient(await loadKubeconfig(kubeconfigPath(flags), {rootDir: flags['root-dir']}))
  try {
    return await action({
      client,
      rootDir: flags['root-dir'],
      nodeName: flags['node-name'],
      logger,
      timing: {intervalMs: pollInterval(1000), timeoutMs: parseDuration(flags.timeout, '--timeout')},
    })
  } finally {
    client.close()
  }
}
