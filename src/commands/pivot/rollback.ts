import {BaseCommand} from '../../cli/base.js'
import {pivotFlags} from '../../cli/pivot-flags.js'

export default class PivotRollback extends BaseCommand<typeof PivotRollback> {
  static override description = `Move a self-hosted control plane back to static pods on this node.

For kube-scheduler, kube-controller-manager, then kube-apiserver: write the static manifest from the self-hosted DaemonSet (self-hosting changes undone), wait for the static pod, delete the DaemonSet. The API server goes last, after its manifest is checked for missing files.`

  static override examples = ['<%= config.bin %> pivot rollback --node-name cp-1']

  static override flags = {...pivotFlags}

  async run(): Promise<void> {
    const {rollback} = await import('../../kube/selfhosting/rollback.js')
    const {withPivotSession} = await import('../../cli/pivot-session.js')
    const restored = await withPivotSession(this.flags, this.logger, rollback)
    this.print({restored}, () =>
      restored.length ? `static pods restored: ${restored.join(', ')}\n` : 'nothing to roll back\n',
    )
  }
}
