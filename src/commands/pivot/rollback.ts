import {BaseCommand} from '../../cli/base.js'
import {pivotFlags} from '../../kube/selfhosting/flags.js'

export default class PivotRollback extends BaseCommand<typeof PivotRollback> {
  static override description = `Move a self-hosted control plane back to static pods on this node.

For kube-scheduler, kube-controller-manager, then kube-apiserver: write the static manifest from the self-hosted DaemonSet (self-hosting changes undone), wait for the static pod, delete the DaemonSet. The API server goes last, after its manifest is checked for missing files.`

  static override examples = ['<%= config.bin %> pivot rollback --node-name cp-1']

  static override flags = {...pivotFlags}

  async run(): Promise<void> {
    const {loadKubeconfig} = await import('../../kube/kubeconfig.js')
    const {KubeClient} = await import('../../kube/client.js')
    const {kubeconfigPath} = await import('../../kube/flags.js')
    const {parseDuration} = await import('../../kube/wait.js')
    const {rollback} = await import('../../kube/selfhosting/rollback.js')
    const {pollInterval} = await import('../../phases/init/api/context.js')
    const f = this.flags
    const client = new KubeClient(await loadKubeconfig(kubeconfigPath(f), {rootDir: f['root-dir']}))
    try {
      const restored = await rollback({
        client,
        rootDir: f['root-dir'],
        nodeName: f['node-name'],
        logger: this.logger,
        timing: {intervalMs: pollInterval(1000), timeoutMs: parseDuration(f.timeout, '--timeout')},
      })
      this.print({restored}, () =>
        restored.length ? `static pods restored: ${restored.join(', ')}\n` : 'nothing to roll back\n',
      )
    } finally {
      client.close()
    }
  }
}
