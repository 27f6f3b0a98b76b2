/** `etcd local`: the static pod manifest of a single-member etcd on this node. */
import {posix} from 'node:path'
import {etcdPod} from '../../kubeadm/static-pods/etcd.js'
import {serializePod} from '../../kubeadm/static-pods/pod.js'
import {etcdMemberName} from '../etcd-volume.js'
import type {Phase} from '../workflow.js'
import {type InitData, MANIFESTS_DIR} from './data.js'
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
        const pod = etcdPod({
          cluster: d.cluster,
          local,
          memberName: etcdMemberName(d.etcdVolumeMounted, d.init.nodeRegistration.name),
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
