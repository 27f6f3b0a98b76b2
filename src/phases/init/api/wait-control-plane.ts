/** wait-control-plane: poll the API server's /healthz until it answers `ok`, within the configured timeout. */
import {KubeClient} from '../../../kube/client.js'
import {loadKubeconfig} from '../../../kube/kubeconfig.js'
import {poll} from '../../../kube/wait.js'
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'
import {kubeconfigFile, pollInterval} from './context.js'

export async function waitForHealthz(
  d: Pick<InitData, 'rootDir' | 'nodePollMs'>,
  timeoutMs: number,
  file = 'admin.conf',
): Promise<void> {
  const creds = await loadKubeconfig(kubeconfigFile(d, file), {rootDir: d.rootDir})
  const client = new KubeClient(creds, {timeoutMs: 5000})
  try {
    await poll(
      async () => {
        const h = await client.health('/healthz')
        if (!h.ok) throw new Error(`/healthz answered HTTP ${h.status}: ${h.body.trim().slice(0, 200)}`)
        return true
      },
      {
        intervalMs: pollInterval(d, 500),
        timeoutMs,
        what: `the API server at ${creds.server} to report healthy (/healthz)`,
      },
    )
  } finally {
    client.close()
  }
}

export const waitControlPlanePhase: Phase<InitData> = {
  name: 'wait-control-plane',
  short: 'Wait for the control plane to start',
  run: async (d, ctx) => {
    if (ctx.dryRun) {
      ctx.logger.info('[wait-control-plane] dry run: would wait for /healthz')
      return
    }
    ctx.logger.info(
      `[wait-control-plane] Waiting for the API server to be healthy (timeout ${Math.round(d.init.timeouts.controlPlaneComponentHealthCheck / 1000)}s)`,
    )
    await waitForHealthz(d, d.init.timeouts.controlPlaneComponentHealthCheck)
  },
}
