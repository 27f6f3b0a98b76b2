import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'

export default class DeleteCluster extends BaseCommand<typeof DeleteCluster> {
  static override description =
    `List every cloud resource the cluster owns, and with --yes delete them in dependency order.

Owned means tagged kubernetes.io/cluster/NAME=owned — including what Kubernetes made (load balancers, their security groups, volumes) — plus what hangs off owned resources (the internet gateway of the VPC, NAT gateways and addresses). Shared resources (a VPC or subnets you brought) are never deleted; only the cluster's tag is taken off them. Then the spec and assets leave the state store, unless --keep-state.`

  static override examples = [
    '<%= config.bin %> delete cluster demo.example.com',
    '<%= config.bin %> delete cluster demo.example.com --yes',
    '<%= config.bin %> delete cluster demo.example.com --yes --keep-state',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    yes: Flags.boolean({description: 'delete, not just list', default: false}),
    'keep-state': Flags.boolean({description: 'keep the spec and assets in the state store', default: false}),
    ...lockFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openStore, awsClients} = await import('../../cli/cluster.js')
    const {clusterExists, loadClusterForDelete} = await import('../../state/clusters.js')
    const store = await openStore(f)
    const name = this.args.name
    // Without a stored spec the resources are still found by tag; only the DNS records need it.
    const stored = (await clusterExists(store, name)) ? await loadClusterForDelete(store, name) : undefined
    for (const r of stored?.replaced ?? []) this.logger.warn(`the stored spec has ${r} (no longer supported)`)
    const spec = stored?.cluster
    if (!spec)
      this.logger.warn(`no spec for "${name}" in ${store.location}: DNS records cannot be found without it`)
    const aws = await awsClients(f, spec?.spec.cloud.aws.region)

    const {deleteCluster} = await import('../../phases/cluster/delete.js')
    const text = this.outputFormat === 'text'
    const remove = () =>
      deleteCluster(name, {
        aws,
        yes: f.yes,
        ...(spec ? {spec} : {}),
        store,
        keepState: f['keep-state'] || !spec,
        logger: this.logger,
        onList: (lines) => {
          if (!text) return
          process.stdout.write(
            lines.length === 0
              ? `No cloud resources are owned by cluster ${name}.\n`
              : `${f.yes ? 'Deleting' : 'Will delete'}:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`,
          )
        },
      })
    const result = f.yes
      ? await runLocked(
          store,
          name,
          {command: `delete cluster ${name} --yes`, breakLock: f['break-lock'], logger: this.logger},
          remove,
        )
      : await remove()
    this.print(result, () => {
      if (!result.applied) return result.resources.length > 0 ? '\nMust specify --yes to delete.\n' : ''
      const state = result.removedState ? ' Removed the cluster from the state store.' : ''
      return `\nDeleted ${result.deleted} resources.${state}\n`
    })
  }
}
