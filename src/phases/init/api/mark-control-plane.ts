/**
 * mark-control-plane: label the node `node-role.kubernetes.io/control-plane` and
 * `node.kubernetes.io/exclude-from-external-load-balancers`, and add the configured taints
 * (default `node-role.kubernetes.io/control-plane:NoSchedule`). Waits for the kubelet to have
 * registered the Node. Shared with join's control-plane-join/mark-control-plane.
 */

import {mutateExisting} from '../../../kube/apply.js'
import type {KubeClient} from '../../../kube/client.js'
import {isNotFound} from '../../../kube/errors.js'
import {Nodes} from '../../../kube/resources.js'
import type {Taint} from '../../../kube/types.js'
import {poll} from '../../../kube/wait.js'
import type {Logger} from '../../../util/logger.js'
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'
import {adminClient, pollInterval} from './context.js'

export const CONTROL_PLANE_LABELS = {
  'node-role.kubernetes.io/control-plane': '',
  'node.kubernetes.io/exclude-from-external-load-balancers': '',
}

export async function markControlPlane(
  client: KubeClient,
  nodeName: string,
  taints: readonly Taint[],
  timeoutMs: number,
  intervalMs: number,
  logger: Logger,
): Promise<void> {
  logger.info(
    `[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the labels: [${Object.keys(CONTROL_PLANE_LABELS).join(' ')}]`,
  )
  if (taints.length)
    logger.info(
      `[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the taints [${taints.map((t) => `${t.key}:${t.effect}`).join(' ')}]`,
    )
  await poll(
    async () => {
      try {
        await mutateExisting(client, Nodes, nodeName, undefined, (node) => {
          node.metadata.labels = {...(node.metadata.labels ?? {}), ...CONTROL_PLANE_LABELS}
          const have = node.spec?.taints ?? []
          const add = taints.filter((t) => !have.some((h) => h.key === t.key && h.effect === t.effect))
          if (add.length)
            node.spec = {
              ...(node.spec ?? {}),
              taints: [
                ...have,
                ...add.map((t) => ({key: t.key, ...(t.value ? {value: t.value} : {}), effect: t.effect})),
              ],
            }
          return node
        })
        return true
      } catch (err) {
        if (isNotFound(err))
          throw new Error(`Node "${nodeName}" is not registered yet (is the kubelet running?)`)
        throw err
      }
    },
    {intervalMs, timeoutMs, what: `Node ${nodeName} to be marked as control-plane`},
  )
}

export const markControlPlanePhase: Phase<InitData> = {
  name: 'mark-control-plane',
  short: 'Mark a node as a control-plane',
  run: async (d, ctx) => {
    const name = d.init.nodeRegistration.name
    if (ctx.dryRun) {
      ctx.logger.info(`[mark-control-plane] dry run: would label and taint Node ${name}`)
      return
    }
    const taints = d.init.nodeRegistration.taints.map((t) => ({
      key: t.key,
      effect: t.effect,
      ...(t.value ? {value: t.value} : {}),
    }))
    await markControlPlane(
      await adminClient(d, ctx.logger),
      name,
      taints,
      d.init.timeouts.kubernetesAPICall,
      pollInterval(d, 500),
      ctx.logger,
    )
  },
}
