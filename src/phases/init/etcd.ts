/**
 * `etcd local`: the static pod manifest of a single-member etcd on this node. With `--resume`, the
 * member is the lone member whose data the volume holds, and etcd starts on that data as an
 * existing member (it never bootstraps a cluster there): anything else in the data dir is refused.
 */
import {posix} from 'node:path'
import {etcdPod} from '../../kubeadm/static-pods/etcd.js'
import {serializePod} from '../../kubeadm/static-pods/pod.js'
import {isLoneMember, readEtcdDataIdentity} from '../../lifecycle/etcd-wal.js'
import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'
import {etcdMemberName} from '../etcd-volume.js'
import type {Phase} from '../workflow.js'
import {hostPath, type InitData, MANIFESTS_DIR} from './data.js'
import {peerUrlOf} from './etcd-resume.js'
import {makeNodeDir, writeNodeFile} from './write.js'

export const etcdPhase: Phase<InitData> = {
  name: 'etcd',
  short: 'Static pod manifest for local etcd',
  phases: [
    {
      name: 'local',
      short: 'Single-member etcd on this node',
      runIf: (d) => d.cluster.etcd.local !== undefined,
      run: async (d, ctx) => {
        const local = d.cluster.etcd.local!
        const name = etcdMemberName(d.etcdVolumeMounted, d.init.nodeRegistration.name)
        const peer = peerUrlOf(d.init.localAPIEndpoint.advertiseAddress)
        if (d.resume === true && !ctx.dryRun) await loneMemberData(d, local.dataDir, ctx.logger)
        const pod = etcdPod({
          cluster: d.cluster,
          local,
          memberName: name,
          ...(d.resume === true ? {initialCluster: `${name}=${peer}`} : {}),
          advertiseAddress: d.init.localAPIEndpoint.advertiseAddress,
          imagePullPolicy: d.init.nodeRegistration.imagePullPolicy,
        })
        // etcd refuses a data dir others can read; kubeadm creates it 0700
        await makeNodeDir(d, ctx, local.dataDir, 0o700)
        await writeNodeFile(d, ctx, posix.join(MANIFESTS_DIR, 'etcd.yaml'), serializePod(pod), 0o600, 'etcd')
      },
    },
  ],
}

/** A resume needs the data of a lone member: another cluster's member joins through its peers. */
async function loneMemberData(d: InitData, dataDir: string, log: Logger): Promise<void> {
  const data = await readEtcdDataIdentity(hostPath(d, dataDir))
  if (!data)
    throw new KforgeError(`--resume: ${dataDir} holds no etcd member's data; refusing to start etcd there`)
  if (!isLoneMember(data))
    throw new KforgeError(
      `--resume: the etcd data in ${dataDir} is member ${data.memberId} of a cluster of ${data.members.length} members; it resumes by joining (kforge join), not alone`,
    )
  log.info(
    `[etcd] resuming etcd member ${data.memberId} of cluster ${data.clusterId} from its data in ${dataDir}`,
  )
}
