/**
 * self-hosting (kforge, opt-in through the spec's `selfHosted`): pivot kube-apiserver, then
 * kube-controller-manager, then kube-scheduler from static pods to DaemonSets; etcd stays a static
 * pod. See src/kube/selfhosting for the pivot, its checkpoints and the way back.
 */
import {pivot} from '../../../kube/selfhosting/pivot.js'
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'
import {nodeConfig} from './addon/node-config.js'
import {adminClient, pollInterval} from './context.js'

export const selfHostingPhase: Phase<InitData> = {
  name: 'self-hosting',
  short: 'Pivot the control plane from static pods to self-hosted DaemonSets (spec: selfHosted)',
  runIf: async (d) => (await nodeConfig(d)).selfHosted,
  run: async (d, ctx) => {
    if (ctx.dryRun) {
      ctx.logger.info(
        '[self-hosting] dry run: would turn kube-apiserver, kube-controller-manager and kube-scheduler into DaemonSets',
      )
      return
    }
    await pivot({
      client: await adminClient(d, ctx.logger),
      rootDir: d.rootDir,
      nodeName: d.init.nodeRegistration.name,
      logger: ctx.logger,
      timing: {
        intervalMs: pollInterval(d, 1000),
        timeoutMs: d.init.timeouts.controlPlaneComponentHealthCheck,
      },
    })
  },
}
