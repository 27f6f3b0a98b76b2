/** The waits of the pivot: a DaemonSet's pod on a node, a mirror pod, the API's health. */
import type {KubeClient} from '../client.js'
import {Pods} from '../resources.js'
import type {Pod} from '../types.js'
import {poll} from '../wait.js'
import {type Component, daemonSetName} from './mutate.js'

export interface WaitTiming {
  intervalMs: number
  timeoutMs: number
}

export function podReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

export async function daemonSetPod(
  client: KubeClient,
  component: Component,
  node: string,
): Promise<Pod | undefined> {
  const pods = await client.list(Pods, 'kube-system', {
    labelSelector: `k8s-app=${daemonSetName(component)}`,
    fieldSelector: `spec.nodeName=${node}`,
  })
  return pods.items.find((p) => !p.metadata.deletionTimestamp)
}

/** `running`: scheduled and started (it may still crash-loop, e.g. on a port the static pod holds). */
export function waitForDaemonSetPod(
  client: KubeClient,
  component: Component,
  node: string,
  want: 'running' | 'ready',
  t: WaitTiming,
): Promise<Pod> {
  return poll(
    async () => {
      const p = await daemonSetPod(client, component, node)
      if (!p) return undefined
      if (want === 'ready' ? podReady(p) : p.status?.phase === 'Running') return p
      return undefined
    },
    {
      ...t,
      what: `the ${daemonSetName(component)} pod on node ${node} to be ${want === 'ready' ? 'Ready' : 'Running'}`,
    },
  )
}

export const mirrorPodName = (component: Component, node: string) => `${component}-${node}`

export function waitForMirrorPod(
  client: KubeClient,
  component: Component,
  node: string,
  want: 'gone' | 'ready',
  t: WaitTiming,
): Promise<boolean> {
  const name = mirrorPodName(component, node)
  return poll(
    async () => {
      const p = await client.find(Pods, name, 'kube-system')
      if (want === 'gone') return p ? undefined : true
      return p && podReady(p) ? true : undefined
    },
    {
      ...t,
      what: want === 'gone' ? `the static pod ${name} to go away` : `the static pod ${name} to be Ready`,
    },
  )
}

export function waitForHealthy(client: KubeClient, t: WaitTiming): Promise<boolean> {
  return poll(
    async () => {
      const h = await client.health('/healthz', Math.min(5000, t.timeoutMs))
      if (!h.ok) throw new Error(`/healthz answered HTTP ${h.status}`)
      return true
    },
    {...t, what: `the API server at ${client.server.origin} to answer /healthz`},
  )
}
