/**
 * `kforge init claim` — node agent: the control-plane boot's init-or-join decision. Prints `join`,
 * or `init` followed by the arguments `kforge init` needs (none; after a restore the preflight
 * check the restored data dir fails on purpose; `--resume` when the cluster was initialised but
 * this instance's etcd volume holds the data of its only member, which resumes here alone), and
 * with --completed records a finished init.
 * When `kforge restore cluster` asked for a restore and this claim wins, it restores etcd here,
 * before answering (what `kforge etcd restore` does with a request): the first control-plane
 * group's user-data has no room left under EC2's 16 KB for a branch of its own.
 */
import {BaseCommand} from '../../cli/base.js'
import {openStore} from '../../cli/cluster.js'
import {initClaimFlags} from '../../cli/init-claim.js'

async function instanceId(base: string): Promise<string> {
  const {Imds} = await import('../../assets/agent/imds.js')
  const id = await new Imds({base}).get('meta-data/instance-id')
  if (!id) {
    const {KforgeError} = await import('../../util/errors.js')
    throw new KforgeError(`IMDS at ${base} has no meta-data/instance-id; pass --instance-id`)
  }
  return id.trim()
}

export default class InitClaim extends BaseCommand<typeof InitClaim> {
  static override description =
    "decide init or join for this control-plane instance from the cluster's init record in the state store"

  static override examples = [
    '<%= config.bin %> init claim --state s3://bucket/prefix',
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
    const holder = this.flags['instance-id'] ?? (await instanceId(this.flags.imds))
    if (this.flags.completed) {
      const record = await recordInitComplete(store, cluster, holder)
      this.print(record, () => `init of ${cluster} recorded complete at ${record.completedAt}\n`)
      return
    }
    const {instanceAlive} = await import('../../lifecycle/instance-alive.js')
    const {awsClients} = await import('../../cli/cluster.js')
    const aws = await awsClients(this.flags, region)
    const ec2 = await aws.ec2()
    const decision = await claimInit(store, cluster, holder, {holderAlive: (id) => instanceAlive(ec2, id)})
    if (decision.action === 'init' || (decision.action === 'join' && !(await this.resumesAlone()))) {
      this.logger.info(
        decision.action === 'join'
          ? `joining: ${decision.reason}`
          : `initialising ${cluster}: ${holder} holds the claim${decision.record.takenOverFrom ? ` (taken over from ${decision.record.takenOverFrom}, which is gone without finishing)` : ''}`,
      )
      this.print(decision, () => `${decision.action}\n`)
      return
    }
    if (decision.action === 'join') {
      // The cluster's only etcd member is on this volume: there is nobody to join through.
      this.logger.info(`resuming: ${decision.reason}, and its only etcd member's data is on this volume`)
      this.print({...decision, action: 'resume'}, () => 'init --resume\n')
      return
    }
    this.logger.info(`restoring ${cluster} from backup ${decision.restore.backup}: ${holder} holds the claim`)
    const {chooseEtcdutl} = await import('../../cli/etcd-restore.js')
    const {initArgsAfterRestore, restoreRequested} = await import('../../lifecycle/restore-boot.js')
    const member = await this.member()
    // On an instance kforge provisioned, the restored data belongs on the member's etcd volume:
    // mounted now, or init's etcd-volume phase would mount it over what this restore wrote. The
    // member is named after the volume's member, as init's etcd phase names it.
    const mounted = await this.mountVolume(member.configDataDir)
    if (mounted) member.name = mounted.member
    const restored = await restoreRequested({
      store,
      kms: await aws.kms(),
      cluster,
      request: decision.restore,
      member,
      etcdutl: chooseEtcdutl(this.flags.etcdutl, member),
    })
    if (restored.movedAside) this.logger.warn(`the data that was there is kept in ${restored.movedAside}`)
    const initArgs = initArgsAfterRestore(member)
    this.print({...decision, restored, initArgs}, () => `init ${initArgs.join(' ')}\n`)
  }

  private async member() {
    const {memberFromFlags} = await import('../../cli/etcd-restore.js')
    return memberFromFlags({config: this.flags.config, 'data-dir': '', 'root-dir': '/'})
  }

  private async onInstance(): Promise<boolean> {
    const {existsSync} = await import('node:fs')
    const {NODE_CONFIG_FILE} = await import('../../api/v1alpha1/node-bootstrap.js')
    return existsSync(NODE_CONFIG_FILE)
  }

  /** This member's etcd volume, mounted at its data dir: only on an instance kforge provisioned. */
  private async mountVolume(dataDir: string) {
    if (!(await this.onInstance())) return undefined
    const {mountEtcdVolume} = await import('../../lifecycle/etcd-volume.js')
    const {etcdVolumeAccess} = await import('../../cli/etcd-volume.js')
    // Root dir /: always an instance here.
    return mountEtcdVolume((await etcdVolumeAccess('/'))!, {
      rootDir: '/',
      dataDir,
      logger: this.logger,
      mount: 'systemd',
    })
  }

  /** A joining boot whose volume holds the data of its cluster's only etcd member resumes it alone. */
  private async resumesAlone(): Promise<boolean> {
    if (!(await this.onInstance())) return false
    const member = await this.member()
    const mounted = await this.mountVolume(member.configDataDir)
    if (!mounted?.hasEtcdData) return false
    const {isLoneMember, readEtcdDataIdentity} = await import('../../lifecycle/etcd-wal.js')
    const data = await readEtcdDataIdentity(member.dataDir)
    return data !== undefined && isLoneMember(data)
  }
}
