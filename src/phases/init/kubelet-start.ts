/**
 * `kubelet-start`: write the kubelet's configuration and flags, then (sub-phase `start`) restart
 * the kubelet service. The service step is separate so image builds can skip it, and it never runs
 * under a root dir other than `/` or in dry-run: it would act on this machine, not the root dir.
 */
import {
  KUBELET_CONFIG_FILE,
  KUBELET_FLAGS_FILE,
  kubeletConfiguration,
  kubeletFlagsEnv,
  serializeKubeletConfiguration,
} from '../../kubeadm/kubelet.js'
import {restartKubelet} from '../kubelet-service.js'
import type {Phase} from '../workflow.js'
import type {InitData} from './data.js'
import {writeNodeFile} from './write.js'

export const kubeletStartPhase: Phase<InitData> = {
  name: 'kubelet-start',
  short: 'Write kubelet config and flags, start it',
  run: async (d, ctx) => {
    await writeNodeFile(
      d,
      ctx,
      KUBELET_FLAGS_FILE,
      kubeletFlagsEnv({nodeRegistration: d.init.nodeRegistration, hostname: d.hostname}),
      0o644,
      'kubelet-start',
    )
    await writeNodeFile(
      d,
      ctx,
      KUBELET_CONFIG_FILE,
      serializeKubeletConfiguration(kubeletConfiguration(d.cluster, d.kubelet)),
      0o644,
      'kubelet-start',
    )
  },
  phases: [
    {
      name: 'start',
      short: 'Restart the kubelet (real nodes only)',
      runIf: (d) => d.manageServices,
      run: (_d, ctx) => restartKubelet('kubelet-start', ctx.logger),
    },
  ],
}
