import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {createdText, createFlags, storeCluster} from '../../cli/create.js'

export default class Create extends BaseCommand<typeof Create> {
  static override description =
    `Create a cluster from a spec file: one Cluster and its InstanceGroups (kforge.dev/v1alpha1).

The file is validated and completed with defaults, then stored; nothing is stored if any problem
is found. The output of "kforge create cluster ... --dry-run -o yaml" is a valid input.`

  static override examples = [
    '<%= config.bin %> create cluster demo.example.com --zones us-east-1a,us-east-1b,us-east-1c --dry-run -o yaml > cluster.yaml',
    '<%= config.bin %> create -f cluster.yaml --dry-run -o yaml',
    '<%= config.bin %> create -f cluster.yaml',
  ]

  static override flags = {
    filename: Flags.string({char: 'f', required: true, description: 'spec file (multi-document YAML)'}),
    ...createFlags,
  }

  async run(): Promise<void> {
    const {readSpecFile} = await import('../../specs/file.js')
    const cluster = await readSpecFile(this.flags.filename)
    if (this.flags['dry-run']) {
      const {printSpec} = await import('../../api/v1alpha1/print.js')
      printSpec(cluster, this.outputFormat, 'Dry run: nothing was stored. Use -o yaml for the complete spec.')
      return
    }
    const text = this.outputFormat === 'text'
    const result = await storeCluster(cluster, this.flags, {
      command: `create -f ${this.flags.filename}`,
      logger: this.logger,
      onPlan: (plan) => {
        if (text) process.stdout.write(plan)
      },
    })
    this.print(result, () => createdText(result))
  }
}
