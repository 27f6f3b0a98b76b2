/** control-plane-join/mark-control-plane and wait-control-plane for a joining control-plane node. */
import {KubeClient} from '../../../kube/client.js'
import {loadKubeconfig} from '../../../kube/kubeconfig.js'
import {waitForHealthy} from '../../../kube/selfhosting/waits.js'
import {localApiServerUrl} from '../../../kubeadm/endpoints.js'
import {clientFor, kubeconfigFile, pollInterval} from '../../init/api/context.js'
import {markControlPlane} from '../../init/api/mark-control-plane.js'
import type {Phase} from '../../workflow.js'
import type {JoinData} from '../data.js'

const isControlPlane = (d: JoinData) => d.config.controlPlane !== undefined

export const controlPlaneJoinPhase: Phase<JoinData> = {
  name: 'control-plane-join',
  short: 'Join a machine as a control plane instance',
  runIf: isControlPlane,
  phases: [
    {
      name: 'mark-control-plane',
      short: 'Mark a node as a control-plane',
      run: async (d, ctx) => {
        if (ctx.dryRun) return
        const nr = d.config.nodeRegistration
        const taints = nr.taints.map((t) => ({
          key: t.key,
          effect: t.effect,
          ...(t.value ? {value: t.value} : {}),
        }))
        await markControlPlane(
          await clientFor(d, 'admin.conf'),
          nr.name,
          taints,
          d.config.timeouts.kubernetesAPICall,
          pollInterval(d, 500),
          ctx.logger,
        )
      },
    },
  ],
}

export const joinWaitControlPlanePhase: Phase<JoinData> = {
  name: 'wait-control-plane',
  short: 'Wait for the control plane to start',
  runIf: isControlPlane,
  run: async (d, ctx) => {
    if (ctx.dryRun) return
    const creds = await loadKubeconfig(kubeconfigFile(d, 'admin.conf'), {rootDir: d.rootDir})
    // this node's own API server, not the load-balanced endpoint admin.conf names
    const local = new KubeClient({
      ...creds,
      server: localApiServerUrl(d.config.controlPlane!.localAPIEndpoint),
    })
    try {
      await waitForHealthy(local, {
        intervalMs: pollInterval(d, 500),
        timeoutMs: d.config.timeouts.controlPlaneComponentHealthCheck,
      })
      ctx.logger.info(`[wait-control-plane] The API server on this node (${local.server.host}) is healthy`)
    } finally {
      local.close()
    }
  },
}
