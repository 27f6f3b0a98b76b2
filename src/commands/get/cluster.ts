import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class GetCluster extends BaseCommand<typeof GetCluster> {
  static override description = `Print a cluster's stored spec: the Cluster and its InstanceGroups.

-o yaml (and text) print the stored multi-document YAML as it is, ready for "kforge replace -f"; -o json prints the same documents as a JSON array.`

  static override examples = [
    '<%= config.bin %> get cluster demo.example.com -o yaml',
    '<%= config.bin %> get cluster demo.example.com -o yaml > cluster.yaml',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  async run(): Promise<void> {
    const {openStore} = await import('../../cli/cluster.js')
    const store = await openStore(this.flags)
    if (this.outputFormat === 'json') {
      const {loadCluster} = await import('../../state/clusters.js')
      const {toDocuments} = await import('../../api/v1alpha1/render.js')
      this.print(toDocuments(await loadCluster(store, this.args.name)), () => '')
      return
    }
    const {loadClusterText} = await import('../../state/clusters.js')
    process.stdout.write(await loadClusterText(store, this.args.name))
  }
}
