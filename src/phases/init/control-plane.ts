/**
 * `control-plane`: static pod manifests for kube-apiserver, kube-controller-manager, kube-scheduler.
 * In a self-hosted cluster (NodeBootstrap `selfHosted`) they serve with `--permit-port-sharing`,
 * so the DaemonSet pods the pivot creates start beside them on the same ports and the handover
 * has no gap (on the real kubelet, without it, the API was down about 10 s during the pivot while
 * its DaemonSet pod waited out the crash-loop back-off).
 */
import {existsSync} from 'node:fs'
import {posix} from 'node:path'
import {PORT_SHARING_FLAG} from '../../kube/selfhosting/mutate.js'
import {
  apiServerPod,
  type ControlPlaneInput,
  controllerManagerPod,
  schedulerPod,
} from '../../kubeadm/static-pods/control-plane.js'
import {type Pod, serializePod} from '../../kubeadm/static-pods/pod.js'
import type {Phase} from '../workflow.js'
import {nodeConfig} from './api/addon/node-config.js'
import {hostPath, type InitData, MANIFESTS_DIR} from './data.js'
import {writeNodeFile} from './write.js'

function input(d: InitData): ControlPlaneInput {
  return {
    cluster: d.cluster,
    endpoint: d.init.localAPIEndpoint,
    imagePullPolicy: d.init.nodeRegistration.imagePullPolicy,
    // kubeadm's "external CA" mode: ca.crt without ca.key, so nothing on the node can sign
    externalCA:
      existsSync(hostPath(d, posix.join(d.cluster.certificatesDir, 'ca.crt'))) &&
      !existsSync(hostPath(d, posix.join(d.cluster.certificatesDir, 'ca.key'))),
  }
}

function manifestPhase(name: string, short: string, build: (i: ControlPlaneInput) => Pod): Phase<InitData> {
  return {
    name,
    short,
    run: async (d, ctx) => {
      const pod = build(input(d))
      if ((await nodeConfig(d)).selfHosted) {
        for (const c of pod.spec.containers) c.command.push(`${PORT_SHARING_FLAG}=true`)
      }
      await writeNodeFile(
        d,
        ctx,
        posix.join(MANIFESTS_DIR, `${pod.metadata.name}.yaml`),
        serializePod(pod),
        0o600,
        'control-plane',
      )
    },
  }
}

export const controlPlanePhase: Phase<InitData> = {
  name: 'control-plane',
  short: 'Static pod manifests of the control plane',
  phases: [
    manifestPhase('apiserver', 'kube-apiserver manifest', apiServerPod),
    manifestPhase('controller-manager', 'kube-controller-manager manifest', controllerManagerPod),
    manifestPhase('scheduler', 'kube-scheduler manifest', schedulerPod),
  ],
}
