import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ExportKubeconfig extends BaseCommand<typeof ExportKubeconfig> {
  static override description = `Merge a context for the cluster into your kubeconfig and select it.

Writes a cluster entry (the API endpoint and the cluster CA) and a context, both named after the cluster, into --kubeconfig, else the first file of $KUBECONFIG, else ~/.kube/config; every other entry is kept and the file is written 0600. Credentials are written only with --admin: a client certificate for kubernetes-admin (group kubeadm:cluster-admins) signed by the cluster CA, valid 18h or the duration given (--admin 2h). Without --admin, an existing user entry of that name is kept.`

  static override examples = [
    '<%= config.bin %> export kubeconfig demo.example.com --admin',
    '<%= config.bin %> export kubeconfig demo.example.com --admin 2h --kubeconfig ./demo.kubeconfig',
    '<%= config.bin %> export kubeconfig demo.example.com',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    admin: Flags.boolean({
      description: 'include an admin client certificate, valid 18h or the duration that follows (--admin 2h)',
    }),
    'admin-duration': Flags.string({hidden: true, dependsOn: ['admin']}),
    kubeconfig: Flags.string({
      description: 'kubeconfig file to merge into (default: $KUBECONFIG, else ~/.kube/config)',
    }),
    internal: Flags.boolean({
      description: 'use the internal API name api.internal.<cluster> (from inside the VPC)',
    }),
  }

  override async init(): Promise<void> {
    const {splitAdminFlag} = await import('../../cli/admin-flag.js')
    this.argv = splitAdminFlag(this.argv)
    await super.init()
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openCluster} = await import('../../cli/cluster.js')
    const {exportKubeconfig} = await import('../../lifecycle/export-kubeconfig.js')
    const {DEFAULT_ADMIN_TTL_MS} = await import('../../lifecycle/admin-credentials.js')
    const {parseDuration} = await import('../../kube/wait.js')
    const {store, cluster, aws} = await openCluster(this.args.name, f)
    const ttl = f['admin-duration'] ? parseDuration(f['admin-duration'], '--admin') : DEFAULT_ADMIN_TTL_MS
    const result = await exportKubeconfig(cluster, {
      store,
      aws,
      ...(f.admin ? {adminTtlMs: ttl} : {}),
      ...(f.kubeconfig ? {file: f.kubeconfig} : {}),
      kubeconfigEnv: process.env.KUBECONFIG,
      internal: f.internal,
    })
    if (result.credentials !== 'admin') {
      this.logger.warn(
        result.credentials === 'kept'
          ? `no credentials exported: context ${result.context} keeps its existing user entry; --admin issues a new admin certificate`
          : `no credentials exported: context ${result.context} has no user credentials; pass --admin for an admin certificate (valid 18h)`,
      )
    }
    this.print(result, () => {
      const lines = [
        `${result.created ? 'Created' : 'Updated'} ${result.file}: context "${result.context}" (server ${result.server}) is now current.`,
      ]
      if (result.expires)
        lines.push(
          `Admin credentials (kubernetes-admin, kubeadm:cluster-admins) expire at ${result.expires}.`,
        )
      return `${lines.join('\n')}\n`
    })
  }
}
