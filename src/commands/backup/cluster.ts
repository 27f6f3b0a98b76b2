import {Args} from '@oclif/core'
import {backupFlags, etcdTls} from '../../cli/backup.js'
import {BaseCommand} from '../../cli/base.js'

export default class BackupCluster extends BaseCommand<typeof BackupCluster> {
  static override description =
    "Snapshot the cluster's etcd now and store it in the state store, sealed with the cluster key (run on a control-plane node)."

  static override examples = [
    '<%= config.bin %> backup cluster demo.example.com',
    '<%= config.bin %> backup cluster demo.example.com --etcd-url http://127.0.0.1:2379 -o json',
  ]

  static override args = {name: Args.string({required: true, description: 'cluster name'})}

  static override flags = backupFlags

  async run(): Promise<void> {
    const {openCluster} = await import('../../cli/cluster.js')
    const {takeSnapshot} = await import('../../lifecycle/etcd-snapshot.js')
    const {storeBackup} = await import('../../lifecycle/etcd-backups.js')
    const {clusterKmsKey} = await import('../../assets/prepare.js')
    const {store, cluster, aws} = await openCluster(this.args.name, this.flags)
    const tls = await etcdTls(this.flags)
    const snapshot = await takeSnapshot(this.flags['etcd-url'], tls ? {tls} : {})
    const info = await storeBackup(
      store,
      await aws.kms(),
      {cluster: cluster.name, keyId: clusterKmsKey(cluster)},
      snapshot,
    )
    this.print(
      info,
      () => `backup ${info.id} of ${cluster.name}: revision ${info.revision}, ${info.size} bytes\n`,
    )
  }
}
