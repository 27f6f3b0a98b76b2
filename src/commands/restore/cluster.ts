import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'

export default class RestoreCluster extends BaseCommand<typeof RestoreCluster> {
  static override description =
    `Bring the cluster's etcd back from a backup in the state store (kforge get backups).

Checks the backup first (opened with the cluster key, its SHA-256 verified), then says what it will do. With --yes: records a restore request in the state store and terminates every control-plane instance; their groups launch replacements, the first of which restores etcd from the backup (kforge etcd restore) into a new etcd cluster and runs kforge init on it, and the others join it. Everything written after the backup is lost. The control-plane launch templates must carry this kforge's boot (kforge update cluster NAME --yes first).`

  static override examples = [
    '<%= config.bin %> restore cluster demo.example.com --from 20261202T001500Z-r1234',
    '<%= config.bin %> restore cluster demo.example.com --from 20261202T001500Z-r1234 --yes',
  ]

  static override args = {name: Args.string({required: true, description: 'cluster name'})}

  static override flags = {
    from: Flags.string({description: 'the backup id to restore (kforge get backups NAME)', required: true}),
    yes: Flags.boolean({description: 'restore, not just say what it would do', default: false}),
    ...lockFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openCluster} = await import('../../cli/cluster.js')
    const {applyRestore, planRestore, restoreText} = await import('../../lifecycle/restore-cluster.js')
    const {store, cluster, aws} = await openCluster(this.args.name, f)
    const plan = () => planRestore(store, aws, cluster, f.from)
    // Saying what it would do only reads; restoring takes the cluster's lock and plans under it.
    const result = f.yes
      ? await runLocked(
          store,
          cluster.name,
          {command: `restore cluster ${cluster.name} --yes`, breakLock: f['break-lock'], logger: this.logger},
          async () => applyRestore(store, aws, await plan()),
        )
      : await plan()
    this.print(result, () => restoreText(result))
  }
}
