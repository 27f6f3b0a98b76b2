/**
 * `kforge init claim` — node agent: the control-plane boot's init-or-join decision. Prints `init`,
 * `restore` (init on etcd data restored from the backup `kforge restore cluster` named) or `join`
 * (one word, for the boot script), and with --completed records a finished init.
 */
import {BaseCommand} from '../../cli/base.js'
import {openStore} from '../../cli/cluster.js'
import {initClaimFlags} from '../../cli/init-claim.js'

export default class InitClaim extends BaseCommand<typeof InitClaim> {
  static override description =
    "decide init or join for this control-plane instance from the cluster's init record in the state store"

  static override examples = [
    '<%= config.bin %> init claim --state s3://bucket/prefix --instance-id i-0abc',
    '<%= config.bin %> init claim --state s3://bucket/prefix --cluster c.example.com --region us-east-1 --instance-id i-0abc --completed',
  ]

  static override flags = initClaimFlags

  async run(): Promise<void> {
    const {claimInit, recordInitComplete} = await import('../../lifecycle/init-once.js')
    let {cluster, region} = this.flags
    if (cluster === undefined || region === undefined) {
      const {readManifest} = await import('../../assets/decrypt.js')
      const manifest = await readManifest(this.flags.manifest)
      cluster ??= manifest.cluster
      region ??= manifest.region
    }
    const store = await openStore({...this.flags, region})
    const holder = this.flags['instance-id']
    if (this.flags.completed) {
      const record = await recordInitComplete(store, cluster, holder)
      this.print(record, () => `init of ${cluster} recorded complete at ${record.completedAt}\n`)
      return
    }
    const decision = await claimInit(store, cluster, holder)
    this.logger.info(
      decision.action === 'join'
        ? `joining: ${decision.reason}`
        : decision.action === 'restore'
          ? `restoring ${cluster} from backup ${decision.restore.backup}: ${holder} holds the claim`
          : `initialising ${cluster}: ${holder} holds the claim`,
    )
    this.print(decision, () => `${decision.action}\n`)
  }
}
