import {BaseCommand} from '../../cli/base.js'
import {pivotFlags} from '../../kube/selfhosting/flags.js'

export default class PivotRecover extends BaseCommand<typeof PivotRecover> {
  static override description =
    `Bring a self-hosted control plane back after a reboot (run at boot, after the kubelet).

When the API server does not answer, install this node's checkpoints (the last self-hosted pod specs) as static pods; once the DaemonSet pods are back on this node, withdraw the checkpoints and refresh them.`

  static override examples = ['<%= config.bin %> pivot recover --node-name cp-1']

  static override flags = {...pivotFlags}

  async run(): Promise<void> {
    const {loadKubeconfig} = await import('../../kube/kubeconfig.js')
    const {KubeClient} = await import('../../kube/client.js')
    const {kubeconfigPath} = await import('../../kube/flags.js')
    const {parseDuration} = await import('../../kube/wait.js')
    const {recover} = await import('../../kube/selfhosting/recover.js')
    const {pollInterval} = await import('../../phases/init/api/context.js')
    const f = this.flags
    const client = new KubeClient(await loadKubeconfig(kubeconfigPath(f), {rootDir: f['root-dir']}))
    try {
      const result = await recover({
        client,
        rootDir: f['root-dir'],
        nodeName: f['node-name'],
        logger: this.logger,
        timing: {intervalMs: pollInterval(1000), timeoutMs: parseDuration(f.timeout, '--timeout')},
      })
      this.print(
        result,
        () =>
          `installed checkpoints: ${result.installed.join(', ') || 'none'}; withdrawn: ${result.withdrawn.join(', ') || 'none'}\n`,
      )
    } finally {
      client.close()
    }
  }
}
