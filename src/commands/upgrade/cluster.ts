import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'
import {rollFlags} from '../../cli/roll-flags.js'

export default class UpgradeCluster extends BaseCommand<typeof UpgradeCluster> {
  static override description = `Change a cluster's Kubernetes version within the skew policy, then roll it.

The policy: the control plane moves one minor version at a time, up, or back by at most one; kubelets are never newer than the control plane. Prints the plan (spec, kubeadm-config, which groups roll, the cloud changes). With --yes: stores the new version, applies it to the cloud (new launch template versions), records it in kube-system/kubeadm-config, rolls the control-plane groups one instance at a time (only while etcd is healthy, as rolling-update does; --force-unhealthy overrides), updates kube-proxy, then rolls the other groups. A self-hosted control plane (spec.selfHosted) is upgraded in place instead: its DaemonSets get the new images and no control-plane instance is replaced. Running it again with the same version continues a roll that stopped.`

  static override examples = [
    '<%= config.bin %> upgrade cluster demo.example.com --kubernetes-version v1.37.2',
    '<%= config.bin %> upgrade cluster demo.example.com --kubernetes-version v1.37.2 --yes',
    '<%= config.bin %> upgrade cluster demo.example.com --kubernetes-version v1.37.3 --yes --cloudonly',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    'kubernetes-version': Flags.string({required: true, description: 'the version to move to, vX.Y.Z'}),
    yes: Flags.boolean({description: 'upgrade, not just print the plan'}),
    'allow-prerelease': Flags.boolean({description: 'allow a pre-release target (v1.38.0-rc.1)'}),
    cloudonly: Flags.boolean({
      description:
        'without the Kubernetes API: no kubelet check, no kubeadm-config or kube-proxy update, no draining',
    }),
    ...rollFlags,
    ...lockFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openRoll, rollSettings} = await import('../../cli/roll-flags.js')
    const {upgradeCluster} = await import('../../lifecycle/upgrade.js')
    const settings = await rollSettings(f)
    const {store, cluster, aws, kube} = await openRoll(this.args.name, f)
    const text = this.outputFormat === 'text'
    try {
      const upgrade = () =>
        upgradeCluster(cluster, f['kubernetes-version'], {
          store,
          aws,
          kube,
          cloudOnly: f.cloudonly,
          yes: f.yes,
          allowPrerelease: f['allow-prerelease'],
          forceUnhealthy: f['force-unhealthy'],
          ...settings,
          logger: this.logger,
          onPlan: (plan) => {
            if (text) process.stdout.write(plan)
          },
        })
      const result = f.yes
        ? await runLocked(
            store,
            cluster.name,
            {
              command: `upgrade cluster ${cluster.name} --yes`,
              breakLock: f['break-lock'],
              logger: this.logger,
            },
            upgrade,
          )
        : await upgrade()
      this.print(result, () =>
        result.applied
          ? `\nCluster ${cluster.name} is at ${result.plan.to}:\n${result.steps.map((s) => `  ${s}`).join('\n')}\n`
          : '\nMust specify --yes to upgrade.\n',
      )
    } finally {
      if ('client' in kube) kube.client.close()
    }
  }
}
