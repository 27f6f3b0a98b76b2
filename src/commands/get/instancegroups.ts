import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class GetInstanceGroups extends BaseCommand<typeof GetInstanceGroups> {
  static override description = "List a cluster's instance groups."

  static override aliases = ['get:ig']

  static override examples = [
    '<%= config.bin %> get instancegroups --name demo.example.com',
    '<%= config.bin %> get ig --name demo.example.com -o yaml',
  ]

  static override flags = {
    name: Flags.string({required: true, description: 'cluster name'}),
  }

  async run(): Promise<void> {
    const {openStore} = await import('../../cli/cluster.js')
    const {loadCluster} = await import('../../state/clusters.js')
    const {toDocuments} = await import('../../api/v1alpha1/render.js')
    const {groupsTable} = await import('../../api/v1alpha1/summary.js')
    const store = await openStore(this.flags)
    const cluster = await loadCluster(store, this.flags.name)
    this.print(toDocuments(cluster).slice(1), () => groupsTable(cluster))
  }
}
