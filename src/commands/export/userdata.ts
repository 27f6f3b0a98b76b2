import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ExportUserdata extends BaseCommand<typeof ExportUserdata> {
  static override description =
    `Write each instance group's cloud-config and the user-data its instances receive.

Per group: <group>.cloud-config.yaml (the full cloud-config, for review) and <group>.user-data (the exact
bytes EC2 gets: the cloud-config, its gzip, or a stub that fetches it from the state store). Secrets are
KMS-encrypted; the same cluster gives byte-identical files.`

  static override examples = [
    '<%= config.bin %> export userdata demo.example.com --out userdata/',
    '<%= config.bin %> export userdata demo.example.com --out userdata/ --instance-group nodes',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    out: Flags.string({required: true, description: 'directory to write the files to'}),
    'instance-group': Flags.string({description: 'only this instance group'}),
  }

  async run(): Promise<void> {
    const {openCluster} = await import('../../cli/cluster.js')
    const {gatherClusterAssets} = await import('../../assets/gather.js')
    const {exportUserData, selectGroups} = await import('../../render/export.js')
    const {store, cluster, aws: clients} = await openCluster(this.args.name, this.flags)
    selectGroups(cluster, this.flags['instance-group'])
    const assets = await gatherClusterAssets({store, aws: clients, cluster})
    const exported = await exportUserData(cluster, assets, this.flags.out, this.flags['instance-group'])
    this.print(exported, () => {
      const width = Math.max(...exported.map((e) => e.group.length))
      const rows = exported.map(
        (e) =>
          `${e.group.padEnd(width)}  ${e.template.padEnd(18)}  ${e.delivery.padEnd(5)}  ${String(e.userDataBytes).padStart(5)} B  ${e.sha256.slice(0, 12)}`,
      )
      return `${rows.join('\n')}\nwrote ${exported.length * 2} files to ${this.flags.out}\n`
    })
  }
}
