import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'

export default class UpdateCluster extends BaseCommand<typeof UpdateCluster> {
  static override description =
    `Plan the difference between a cluster's spec and its cloud resources, and with --yes apply it.

The plan is always printed: "Will create", "Will modify" field by field (old -> new), "Will delete". A plan writes nothing anywhere. Applying runs in four phases, independent resources in parallel: prerequisites (the cluster KMS key; secrets, node agent and user-data in the state store), network, security, cluster; progress goes to stderr. Applying twice changes nothing; an interrupted apply is finished by running it again. --target cloudformation writes the stack template to --out; with --yes it first makes the prerequisites directly (the stack takes them as literal values), without --yes it is refused while they are missing.`

  static override examples = [
    '<%= config.bin %> update cluster demo.example.com',
    '<%= config.bin %> update cluster demo.example.com --yes',
    '<%= config.bin %> update cluster demo.example.com --yes --phase network',
    '<%= config.bin %> update cluster demo.example.com --yes --phase prerequisites',
    '<%= config.bin %> update cluster demo.example.com --target cloudformation --out ./stack --yes',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    yes: Flags.boolean({description: 'apply the plan, not just print it', default: false}),
    target: Flags.string({
      description: 'direct: call the AWS APIs; cloudformation: write a stack template',
      options: ['direct', 'cloudformation'],
      default: 'direct',
    }),
    out: Flags.string({description: 'directory for the template (--target cloudformation)'}),
    format: Flags.string({
      description: 'template format (--target cloudformation)',
      options: ['json', 'yaml'],
      default: 'json',
    }),
    phase: Flags.string({
      description: 'apply only this phase',
      options: ['prerequisites', 'network', 'security', 'cluster'],
    }),
    ...lockFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openCluster} = await import('../../cli/cluster.js')
    const {loadCluster} = await import('../../state/clusters.js')
    const {store, cluster, aws} = await openCluster(this.args.name, f)

    const {provisionCluster} = await import('../../phases/cluster/provision.js')
    const text = this.outputFormat === 'text'
    const onPlan = (plan: string) => {
      if (text) process.stdout.write(plan)
    }
    const locked = <T>(what: () => Promise<T>) =>
      runLocked(
        store,
        cluster.name,
        {command: `update cluster ${cluster.name} --yes`, breakLock: f['break-lock'], logger: this.logger},
        what,
      )

    if (f.target === 'cloudformation') {
      const {KforgeError} = await import('../../util/errors.js')
      const out = f.out
      if (!out) throw new KforgeError('--target cloudformation needs --out DIR (where to write the template)')
      if (f.phase && f.phase !== 'prerequisites') {
        throw new KforgeError(
          `--phase ${f.phase}: with --target cloudformation only the prerequisites are applied directly; the stack holds the rest`,
        )
      }
      const {exportCloudFormation, exportedText} = await import(
        '../../phases/cluster/update-cloudformation.js'
      )
      const write = (current: typeof cluster) =>
        exportCloudFormation(current, {
          aws,
          store,
          logger: this.logger,
          out,
          format: f.format as 'json' | 'yaml',
        })
      // The stack takes what the prerequisites made: with --yes they are made first, directly.
      const result = f.yes
        ? await locked(async () => {
            const current = await loadCluster(store, cluster.name)
            await provisionCluster(current, {
              store,
              aws,
              yes: true,
              phase: 'prerequisites',
              logger: this.logger,
              onPlan,
            })
            return write(current)
          })
        : await write(cluster)
      this.print(result, () => exportedText(result))
      return
    }

    const provision = (current: typeof cluster) =>
      provisionCluster(current, {
        store,
        aws,
        yes: f.yes,
        ...(f.phase ? {phase: f.phase} : {}),
        logger: this.logger,
        onPlan,
      })
    // A plan only reads: it takes no lock, and runs while another operator applies.
    const result = f.yes
      ? // Read again under the lock: the spec as the previous holder left it.
        await locked(async () => provision(await loadCluster(store, cluster.name)))
      : await provision(cluster)
    this.print(result, () => {
      if (!result.changes) return ''
      if (!result.applied) return `\nMust specify --yes to apply these changes.\n`
      const r = result.result
      return `\nApplied: ${r.created} created, ${r.updated} modified, ${r.deleted} deleted.\n`
    })
  }
}
