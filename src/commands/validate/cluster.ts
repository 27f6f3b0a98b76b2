import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class ValidateCluster extends BaseCommand<typeof ValidateCluster> {
  static override description =
    `Check a running cluster: its cloud resources and, when the API can be reached, Kubernetes.

Cloud: every resource of the model exists; every instance group has its desired number of instances InService, on the launch template version the group launches now. Kubernetes (with the admin context written by "kforge export kubeconfig NAME --admin", or --kubeconfig): a Ready Node per instance with its zone labels and providerID, the control-plane pods on every control-plane node, no kube-system pod pending or unready. etcd backups (when enabled): the newest in the state store is younger than spec.etcd.backups.staleAfter (default 1h), or, before the first, the cluster's init is. Prints a table of what is wrong and exits non-zero; --wait retries until the cluster validates or the time is up.`

  static override examples = [
    '<%= config.bin %> validate cluster demo.example.com',
    '<%= config.bin %> validate cluster demo.example.com --wait 10m',
    '<%= config.bin %> validate cluster demo.example.com --cloudonly -o json',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    wait: Flags.string({
      description: 'retry until valid for up to this long (10m, 90s); default: check once',
    }),
    kubeconfig: Flags.string({
      description:
        'kubeconfig with admin access (its context named after the cluster, else its current one). Default: the context named after the cluster in $KUBECONFIG or ~/.kube/config',
    }),
    cloudonly: Flags.boolean({description: 'check the cloud side only'}),
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openCluster} = await import('../../cli/cluster.js')
    const {pollOption} = await import('../../cli/timings.js')
    const {clusterKubeAccess} = await import('../../lifecycle/kube-access.js')
    const {waitForCluster} = await import('../../lifecycle/validate.js')
    const {formatValidation} = await import('../../lifecycle/print.js')
    const {parseDuration} = await import('../../kube/wait.js')
    const {KforgeError} = await import('../../util/errors.js')
    const timeoutMs = f.wait ? parseDuration(f.wait, '--wait') : 0
    const {store, cluster, aws} = await openCluster(this.args.name, f)
    const kube = await clusterKubeAccess(cluster.name, {
      ...(f.kubeconfig ? {kubeconfig: f.kubeconfig} : {}),
      kubeconfigEnv: process.env.KUBECONFIG,
      cloudOnly: f.cloudonly,
    })
    try {
      const report = await waitForCluster(cluster, {
        aws,
        store,
        kube,
        timeoutMs,
        ...pollOption(),
        logger: this.logger,
        onRetry: (r) =>
          this.logger.info(
            `cluster ${cluster.name} is not valid yet (${r.failures.length} problems, first: ${r.failures[0]?.name} ${r.failures[0]?.message}); retrying`,
          ),
      })
      this.print(report, () => formatValidation(report))
      if (!report.valid) {
        const still = report.failures.map((x) => `  ${x.kind} ${x.name}: ${x.message}`).join('\n')
        throw new KforgeError(
          timeoutMs > 0
            ? `cluster ${cluster.name} did not validate within ${f.wait}; still wrong:\n${still}`
            : `cluster ${cluster.name} did not validate:\n${still}`,
        )
      }
    } finally {
      if ('client' in kube) kube.client.close()
    }
  }
}
