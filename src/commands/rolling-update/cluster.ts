import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'
import {rollFlags} from '../../cli/roll-flags.js'

export default class RollingUpdateCluster extends BaseCommand<typeof RollingUpdateCluster> {
  static override description = `Replace the instances whose launch template version is not their group's.

Without --yes, lists them (group, instance, reason). With --yes: bastions, then control-plane groups one instance at a time, then node groups (--max-surge instances are launched ahead, --max-unavailable more replaced at once). Each instance is cordoned and drained through the API (PodDisruptionBudgets respected; the drain timeout names the pod that blocked), terminated in its auto-scaling group, replaced, and the cluster validated before the next. Control-plane instances are replaced only while etcd is healthy (the API server's /readyz/etcd and /livez/etcd, and on every control-plane node a Ready Node with Ready etcd and kube-apiserver pods); after each one the roll waits for the new member to be healthy before the next. --force-unhealthy starts anyway, unhealthy members first, at the risk of losing etcd quorum. --cloudonly skips the Kubernetes steps, for a cluster whose API is down: etcd health is then not checked, only that each control-plane group has its instances InService. A failure stops the roll and says where; running it again continues from there. Run "kforge update cluster NAME --yes" first: it is what gives the groups new launch template versions.`

  static override examples = [
    '<%= config.bin %> rolling-update cluster demo.example.com',
    '<%= config.bin %> rolling-update cluster demo.example.com --yes',
    '<%= config.bin %> rolling-update cluster demo.example.com --yes --instance-group nodes --max-surge 2',
    '<%= config.bin %> rolling-update cluster demo.example.com --yes --cloudonly',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {
    yes: Flags.boolean({description: 'replace the instances, not just list them'}),
    'instance-group': Flags.string({description: 'only this instance group (repeatable)', multiple: true}),
    cloudonly: Flags.boolean({
      description: 'replace without draining or validating through the Kubernetes API',
    }),
    force: Flags.boolean({description: 'replace every instance, up to date or not'}),
    ...rollFlags,
    ...lockFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const {openRoll, rollSettings} = await import('../../cli/roll-flags.js')
    const {rollingUpdate} = await import('../../lifecycle/rolling-update.js')
    const {rollingText} = await import('../../lifecycle/print.js')
    const settings = await rollSettings(f)
    const {store, cluster, aws, kube} = await openRoll(this.args.name, f)
    try {
      const roll = () =>
        rollingUpdate(cluster, {
          aws,
          kube,
          cloudOnly: f.cloudonly,
          yes: f.yes,
          ...(f['instance-group'] ? {instanceGroups: f['instance-group']} : {}),
          force: f.force,
          forceUnhealthy: f['force-unhealthy'],
          ...settings,
          logger: this.logger,
        })
      // Listing what would be replaced only reads; replacing takes the cluster's lock.
      const result = f.yes
        ? await runLocked(
            store,
            cluster.name,
            {
              command: `rolling-update cluster ${cluster.name} --yes`,
              breakLock: f['break-lock'],
              logger: this.logger,
            },
            roll,
          )
        : await roll()
      this.print(result, () => rollingText(result))
    } finally {
      if ('client' in kube) kube.client.close()
    }
  }
}
