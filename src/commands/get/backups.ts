import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class GetBackups extends BaseCommand<typeof GetBackups> {
  static override description = "List a cluster's etcd backups in the state store, oldest first."

  static override examples = [
    '<%= config.bin %> get backups demo.example.com',
    '<%= config.bin %> get backups demo.example.com -o json',
  ]

  static override args = {name: Args.string({required: true, description: 'cluster name'})}

  async run(): Promise<void> {
    const {openStore} = await import('../../cli/cluster.js')
    const {listBackups} = await import('../../lifecycle/etcd-backups.js')
    const {formatTable} = await import('../../util/output.js')
    const store = await openStore(this.flags)
    const backups = await listBackups(store, this.args.name)
    this.print(backups, () =>
      backups.length === 0
        ? `No backups of ${this.args.name} in state store ${store.location}\n`
        : formatTable(
            ['ID', 'TAKEN', 'REVISION', 'SIZE'],
            backups.map((b) => [b.id, b.takenAt, String(b.revision), String(b.size)]),
          ),
    )
  }
}
