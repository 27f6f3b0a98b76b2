/**
 * `kforge etcd restore` — node agent: write this member's etcd data directory from a snapshot,
 * as a single-member cluster with a new identity, before `kforge init` starts etcd on it. The
 * control-plane boot runs it when `kforge init claim` answers `restore`.
 */
import {BaseCommand} from '../../cli/base.js'
import {chooseEtcdutl, etcdRestoreFlags, memberFromFlags} from '../../cli/etcd-restore.js'
import type {RestoreResult} from '../../lifecycle/etcd-restore.js'

export default class EtcdRestore extends BaseCommand<typeof EtcdRestore> {
  static override description =
    "restore this member's etcd data directory from a snapshot (etcdutl snapshot restore; the hash is checked first), as a new single-member cluster that kforge init then starts"

  static override examples = [
    '<%= config.bin %> etcd restore --snapshot /root/etcd.db --config /etc/kforge/kubeadm.yaml',
    '<%= config.bin %> etcd restore --state s3://bucket/prefix --from 20261202T001500Z-r1234 --config /etc/kforge/kubeadm.yaml',
    '<%= config.bin %> etcd restore --state s3://bucket/prefix --config /etc/kforge/kubeadm.yaml --replace-existing',
  ]

  static override flags = etcdRestoreFlags

  async run(): Promise<void> {
    const {readFile} = await import('node:fs/promises')
    const {restoreSnapshot, restoreClusterToken} = await import('../../lifecycle/etcd-restore.js')
    const f = this.flags
    const member = await memberFromFlags(f)
    let snapshot: Buffer
    let source: string
    const token = f['initial-cluster-token']
    if (f.snapshot !== undefined) {
      source = f.snapshot
      snapshot = await readFile(f.snapshot)
    } else {
      const {openStore, awsClients} = await import('../../cli/cluster.js')
      const {readBackup} = await import('../../lifecycle/etcd-backups.js')
      const {readRestoreRequest, restoreRequestKey} = await import('../../lifecycle/restore-request.js')
      let {cluster, region} = f
      if (cluster === undefined || region === undefined) {
        const {readManifest} = await import('../../assets/decrypt.js')
        const manifest = await readManifest(f.manifest)
        cluster ??= manifest.cluster
        region ??= manifest.region
      }
      const store = await openStore({...f, region})
      const kms = await (await awsClients(f, region)).kms()
      if (f.from === undefined) {
        const request = await readRestoreRequest(store, cluster)
        if (request === undefined) {
          const {KforgeError} = await import('../../util/errors.js')
          throw new KforgeError(
            `cluster ${cluster}: no restore requested (${restoreRequestKey(cluster)}); name one with --from or --snapshot`,
          )
        }
        // What the boot does: the request's backup, into the request's new cluster.
        const {restoreRequested} = await import('../../lifecycle/restore-boot.js')
        const etcdutl = chooseEtcdutl(f.etcdutl, member)
        const done = await restoreRequested({store, kms, cluster, request, member, etcdutl})
        this.report(done, `backup ${request.backup}`)
        return
      }
      source = `backup ${f.from}`
      snapshot = await readBackup(store, kms, cluster, f.from)
    }
    const result = await restoreSnapshot({
      name: member.name,
      peerUrl: member.peerUrl,
      dataDir: member.dataDir,
      snapshot,
      source,
      clusterToken: token ?? restoreClusterToken(source),
      etcdutl: chooseEtcdutl(f.etcdutl, member),
      replaceExisting: f['replace-existing'],
    })
    this.report(result, source)
  }

  private report(result: RestoreResult, source: string): void {
    if (result.movedAside) this.logger.warn(`the data that was there is kept in ${result.movedAside}`)
    this.print(
      result,
      () =>
        `restored ${source} into ${result.dataDir} as member ${result.name} (${result.peerUrl}) of a new cluster (token ${result.clusterToken})\n`,
    )
  }
}
