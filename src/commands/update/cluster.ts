import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'

export default class UpdateCluster extends BaseCommand<typeof UpdateCluster> {
  static override description =
    `Plan the difference between a cluster's spec and its cloud resources, and with --yes apply it.

The plan is always printed: "Will create", "Will modify" field by field (old -> new), "Will delete". A plan writes nothing anywhere. Applying runs in four phases, independent resources in parallel: prerequisites (the cluster KMS key; secrets, node agent and user-data in the state store), network, security, cluster; progress goes to stderr. Applying twice changes nothing; an interrupted apply is finished by running it again.

--target cloudformation deploys the same resources as the cluster's CloudFormation stack: the plan comes from a change set (or, for a new stack, from the model: nothing is made in AWS without --yes), and --yes executes it with progress from the stack's events. The stack takes the prerequisites as literal values: --yes makes them directly first; without --yes (and for --out DIR, which also writes the template there) they must exist already ("--phase prerequisites --yes" makes them).`

  static override examples = [
    '<%= config.bin %> update cluster demo.example.com',
    '<%= config.bin %> update cluster demo.example.com --yes',
    '<%= config.bin %> update cluster demo.example.com --yes --phase network',
    '<%= config.bin %> update cluster demo.example.com --yes --phase prerequisites',
    '<%= config.bin %> update cluster demo.example.com --target cloudformation',
    '<%= config.bin %> update cluster demo.example.com --target cloudformation --yes',
    '<%= config.bin %> update cluster demo.example.com --target cloudformation --out ./stack',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    yes: Flags.boolean({description: 'apply the plan, not just print it', default: false}),
    target: Flags.string({
      description: 'direct: call the AWS APIs; cloudformation: deploy the cluster as a CloudFormation stack',
      options: ['direct', 'cloudformation'],
      default: 'direct',
    }),
    out: Flags.string({
      description: 'also write the stack template to this directory (--target cloudformation)',
    }),
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

    const text = this.outputFormat === 'text'
    if (f.target === 'cloudformation') {
      if (f.phase) {
        const {KforgeError} = await import('../../util/errors.js')
        throw new KforgeError(
          '--phase applies to --target direct: a CloudFormation stack is deployed whole (its prerequisites: --phase prerequisites --yes, without --target)',
        )
      }
      const {updateClusterStack} = await import('../../phases/cluster/update-cloudformation.js')
      let planned = false
      const deploy = (current: typeof cluster) =>
        updateClusterStack(current, {
          aws,
          store,
          yes: f.yes,
          logger: this.logger,
          ...(f.out ? {out: {dir: f.out, format: f.format as 'json' | 'yaml'}} : {}),
          // With --yes the prerequisites' plan comes first, then the stack's.
          onPlan: (plan) => {
            if (text) process.stdout.write(`${planned ? '\n' : ''}${plan}`)
            planned = true
          },
        })
      const stack = f.yes
        ? await runLocked(
            store,
            cluster.name,
            {
              command: `update cluster ${cluster.name} --target cloudformation --yes`,
              breakLock: f['break-lock'],
              logger: this.logger,
            },
            async () => deploy(await loadCluster(store, cluster.name)),
          )
        : await deploy(cluster)
      this.print(stack, () => {
        if (!stack.changes) return ''
        if (!stack.applied) return `\nMust specify --yes to apply these changes.\n`
        return `\nCloudFormation stack ${stack.stack}: ${stack.status}.\n`
      })
      return
    }

    const {provisionCluster} = await import('../../phases/cluster/provision.js')
    const provision = (current: typeof cluster) =>
      provisionCluster(current, {
        store,
        aws,
        yes: f.yes,
        ...(f.phase ? {phase: f.phase} : {}),
        logger: this.logger,
        onPlan: (plan) => {
          if (text) process.stdout.write(plan)
        },
      })
    // A plan only reads: it takes no lock, and runs while another operator applies.
    const result = f.yes
      ? await runLocked(
          store,
          cluster.name,
          {command: `update cluster ${cluster.name} --yes`, breakLock: f['break-lock'], logger: this.logger},
          // Read again under the lock: the spec as the previous holder left it.
          async () => provision(await loadCluster(store, cluster.name)),
        )
      : await provision(cluster)
    this.print(result, () => {
      if (!result.changes) return ''
      if (!result.applied) return `\nMust specify --yes to apply these changes.\n`
      const r = result.result
      return `\nApplied: ${r.created} created, ${r.updated} modified, ${r.deleted} deleted.\n`
    })
  }
}
