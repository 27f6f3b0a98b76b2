import {BaseCommand} from '../../cli/base.js'
import {errorMessage} from '../../util/errors.js'

export default class GetClusters extends BaseCommand<typeof GetClusters> {
  static override description = 'List the clusters in the state store.'

  static override examples = ['<%= config.bin %> get clusters', '<%= config.bin %> get clusters -o yaml']

  async run(): Promise<void> {
    const {openStore} = await import('../../cli/cluster.js')
    const {listClusters, loadCluster} = await import('../../state/clusters.js')
    const {toDocuments} = await import('../../api/v1alpha1/render.js')
    const {CLUSTER_COLUMNS, clusterRow} = await import('../../api/v1alpha1/summary.js')
    const {formatTable} = await import('../../util/output.js')
    const store = await openStore(this.flags)
    const rows: string[][] = []
    const docs: unknown[] = []
    for (const name of await listClusters(store)) {
      try {
        const cluster = await loadCluster(store, name)
        rows.push(clusterRow(cluster))
        docs.push(toDocuments(cluster)[0])
      } catch (err) {
        // One broken record must not hide the others; say which and why.
        this.logger.warn(`cluster "${name}": stored spec is not valid: ${errorMessage(err)}`)
        rows.push([name, '?', '?', '(invalid spec)'])
      }
    }
    this.print(docs, () =>
      rows.length === 0
        ? `No clusters in state store ${store.location}\n`
        : formatTable(CLUSTER_COLUMNS, rows),
    )
  }
}
