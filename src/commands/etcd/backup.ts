/**
 * `kforge etcd backup` — node agent, on a control-plane node: snapshot the local etcd member into
 * the state store, sealed with the cluster key; with `--scheduled` (the systemd timer's run) only
 * when this member is the leader, then prune by the `--keep-*` retention.
 */
import {Flags} from '@oclif/core'
import {backupFlags, etcdTls} from '../../cli/backup.js'
import {BaseCommand} from '../../cli/base.js'

export default class EtcdBackup extends BaseCommand<typeof EtcdBackup> {
  static override description =
    "snapshot this control-plane node's etcd member to the state store, sealed with the cluster key (node agent; the backup timer runs it with --scheduled: the leader only, then pruning)"

  static override examples = [
    '<%= config.bin %> etcd backup --state s3://bucket/prefix',
    '<%= config.bin %> etcd backup --scheduled --state s3://bucket/prefix --keep-all 1h --keep-hourly 7d --keep-daily 30d',
  ]

  static override flags = {
    ...backupFlags,
    manifest: Flags.string({
      description:
        'assets manifest naming the cluster, its region and (by its sealed assets) the cluster key',
      default: '/etc/kforge/assets.json',
    }),
    'kms-key': Flags.string({
      description: 'the cluster key (default: the key the manifest assets are sealed with)',
    }),
    scheduled: Flags.boolean({
      description: 'take it only if this member is the etcd leader (the timer runs it on every node)',
    }),
    'keep-all': Flags.string({
      description: 'prune after: keep every backup younger than this (90m, 36h, 7d)',
    }),
    'keep-hourly': Flags.string({
      description: "prune after: keep each hour's newest backup younger than this",
    }),
    'keep-daily': Flags.string({description: "prune after: keep each day's newest backup younger than this"}),
  }

  async run(): Promise<void> {
    const f = this.flags
    const {KforgeError} = await import('../../util/errors.js')
    const {readManifest} = await import('../../assets/decrypt.js')
    const {openStore, awsClients} = await import('../../cli/cluster.js')
    const {scheduledBackup} = await import('../../lifecycle/scheduled-backup.js')
    const manifest = await readManifest(f.manifest)
    const {defaultKmsKey} = await import('../../assets/prepare.js')
    const keyId = f['kms-key'] ?? defaultKmsKey(manifest.cluster)
    const keep = [f['keep-all'], f['keep-hourly'], f['keep-daily']]
    if (keep.some((k) => k !== undefined) && keep.some((k) => k === undefined))
      throw new KforgeError('--keep-all, --keep-hourly and --keep-daily go together')
    const store = await openStore({...f, region: f.region ?? manifest.region})
    const kms = await (await awsClients({...f, region: manifest.region})).kms()
    const tls = await etcdTls(f)
    const result = await scheduledBackup({
      store,
      kms,
      cluster: manifest.cluster,
      keyId,
      etcdUrl: f['etcd-url'],
      ...(tls ? {tls} : {}),
      leaderOnly: f.scheduled,
      ...(f['keep-all']
        ? {retention: {all: f['keep-all'], hourly: f['keep-hourly']!, daily: f['keep-daily']!}}
        : {}),
    })
    this.print(result, () =>
      'skipped' in result
        ? `no backup: ${result.skipped}\n`
        : `backup ${result.taken.id} of ${manifest.cluster}: revision ${result.taken.revision}, ${result.taken.size} bytes` +
          `${result.pruned.length ? `; pruned ${result.pruned.join(', ')}` : ''}\n`,
    )
  }
}
