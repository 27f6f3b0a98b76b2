import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ExportCloudFormation extends BaseCommand<typeof ExportCloudFormation> {
  static override description = `Write the cluster's infrastructure as one CloudFormation stack template.

The same resource model "update cluster" applies directly, rendered with Ref/GetAtt: identical specs give byte-identical files. The launch templates carry the same user-data as the direct target's, rendered from the cluster's prerequisites (its KMS key, and the secrets, node agent and user-data objects in the state store), which kforge makes directly, never in the stack: run "kforge update cluster NAME --phase prerequisites --yes" first; without them the export is refused. The Route53 zone (spec.dns.zone) must exist before the stack is deployed. A template over 51,200 bytes must be uploaded to S3 and deployed by --template-url; the command says so.`

  static override examples = [
    '<%= config.bin %> update cluster demo.example.com --phase prerequisites --yes',
    '<%= config.bin %> export cloudformation demo.example.com --out ./stack',
    '<%= config.bin %> export cloudformation demo.example.com --out ./stack --format yaml',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    out: Flags.string({required: true, description: 'directory to write the template to'}),
    format: Flags.string({description: 'template format', options: ['json', 'yaml'], default: 'json'}),
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openCluster} = await import('../../cli/cluster.js')
    const {exportCloudFormation, exportedText} = await import('../../phases/cluster/update-cloudformation.js')
    const {store, cluster, aws} = await openCluster(this.args.name, f)
    const result = await exportCloudFormation(cluster, {
      aws,
      out: f.out,
      format: f.format as 'json' | 'yaml',
      store,
      logger: this.logger,
    })
    this.print(result, () => exportedText(result))
  }
}
