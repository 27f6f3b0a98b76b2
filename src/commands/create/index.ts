import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'
import {createdText} from './cluster.js'

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
    'dry-run': Flags.boolean({description: 'validate and print the complete spec; store nothing'}),
    yes: Flags.boolean({description: 'apply the plan, not just print it'}),
    'secure-state-store': Flags.boolean({
      description:
        'S3 state store: block public access, default to SSE-KMS and turn on versioning for its bucket (create warns when any is off)',
      default: false,
    }),
    ...lockFlags,
  }

  async run(): Promise<void> {
    const {readSpecFile} = await import('../../specs/file.js')
    const cluster = await readSpecFile(this.flags.filename)
    if (this.flags['dry-run']) {
      const {printSpec} = await import('../../api/v1alpha1/print.js')
      printSpec(cluster, this.outputFormat, 'Dry run: nothing was stored. Use -o yaml for the complete spec.')
      return
    }
    const {awsClients, openStore} = await import('../../cli/cluster.js')
    const {createCluster} = await import('../../specs/store.js')
    const store = await openStore(this.flags)
    const {checkStatePosture} = await import('../../phases/cluster/state-posture.js')
    await checkStatePosture(store, {secure: this.flags['secure-state-store'], logger: this.logger})
    const {provisionHook} = await import('../../phases/cluster/provision.js')
    const text = this.outputFormat === 'text'
    const apply = provisionHook(
      store,
      (region) => awsClients(this.flags, region),
      this.logger,
      (plan) => {
        if (text) process.stdout.write(plan)
      },
    )
    // Without --yes nothing touches the cloud: the spec and its PKI are stored and
    // `kforge update cluster` previews the plan (kops's create → update flow).
    const result = await runLocked(
      store,
      cluster.name,
      {command: `create -f ${this.flags.filename}`, breakLock: this.flags['break-lock'], logger: this.logger},
      () => createCluster(store, cluster, this.flags.yes ? {yes: true, apply} : {}),
    )
    this.print(result, () => createdText(result))
  }
}
