import {BaseCommand} from '../../cli/base.js'
import {pivotFlags} from '../../cli/pivot-flags.js'

export default class PivotRecover extends BaseCommand<typeof PivotRecover> {
  static override description =
    `Bring a self-hosted control plane back after a reboot (run at boot, after the kubelet).

When the API server does not answer, install this node's checkpoints (the last self-hosted pod specs) as static pods; once the DaemonSet pods are back on this node, withdraw the checkpoints and refresh them.`

  static override examples = ['<%= config.bin %> pivot recover --node-name cp-1']

  static override flags = {...pivotFlags}

  async run(): Promise<void> {
    const {recover, checkpointsOnNode, NOTHING_TO_RECOVER} = await import('../../kube/selfhosting/recover.js')
    const {withPivotSession} = await import('../../cli/pivot-session.js')
    // The boot unit runs on every control-plane instance, before its first init has written a
    // kubeconfig: with nothing checkpointed there is nothing to recover and nothing to connect to.
    const nothing = (await checkpointsOnNode(this.flags['root-dir'])).length === 0
    if (nothing) this.logger.info(`[pivot recover] ${NOTHING_TO_RECOVER}`)
    const result = nothing
      ? {installed: [], withdrawn: []}
      : await withPivotSession(this.flags, this.logger, recover)
    this.print(
      result,
      () =>
        `installed checkpoints: ${result.installed.join(', ') || 'none'}; withdrawn: ${result.withdrawn.join(', ') || 'none'}\n`,
    )
  }
}
