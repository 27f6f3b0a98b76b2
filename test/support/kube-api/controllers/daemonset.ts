/**
 * The DaemonSet controller (one pod per eligible node, pinned there with required node affinity
 * on metadata.name, RollingUpdate with maxUnavailable, status counters) and the default
 * scheduler's binding of pending pods, both reduced to what the pivot relies on.
 */
import {createHash} from 'node:crypto'
import type {DaemonSet, Node, Pod, Toleration} from '../../../../src/kube/types.js'
import {resourceByKind} from '../registry.js'
import type {Obj, Store} from '../store.js'
import {fitsNode, podReady} from './scheduling.js'

const DS_TOLERATIONS: Toleration[] = [
  {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute'},
  {key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute'},
  {key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule'},
  {key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule'},
  {key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule'},
  {key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule'},
]

function templateHash(ds: DaemonSet): string {
  return createHash('sha256').update(JSON.stringify(ds.spec.template)).digest('hex').slice(0, 10)
}

function ownedBy(pod: Obj, uid: string): boolean {
  return (pod.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller)
}

function targetNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
  return terms.flatMap((t) => t.matchFields ?? []).find((f) => f.key === 'metadata.name')?.values?.[0]
}

export function syncDaemonSets(store: Store): void {
  const podsRes = resourceByKind('Pod')
  const dsRes = resourceByKind('DaemonSet')
  const nodes = store.list(resourceByKind('Node')) as (Obj & Node)[]
  for (const ds of store.list(dsRes) as (Obj & DaemonSet)[]) {
    const ns = ds.metadata.namespace!
    const uid = ds.metadata.uid!
    const generation = String(ds.metadata.generation ?? 1)
    const pods = (store.list(podsRes, ns) as (Obj & Pod)[]).filter((p) => ownedBy(p, uid))
    const eligible = nodes.filter(
      (n) =>
        fitsNode(
          {
            ...ds.spec.template.spec,
            tolerations: [...(ds.spec.template.spec.tolerations ?? []), ...DS_TOLERATIONS],
          },
          n,
        ).fits,
    )
    const eligibleNames = new Set(eligible.map((n) => n.metadata.name!))
    for (const pod of pods) {
      const node = targetNode(pod)
      if (!node || !eligibleNames.has(node)) store.delete(podsRes, ns, pod.metadata.name!)
    }
    for (const node of eligible) {
      if (pods.some((p) => targetNode(p) === node.metadata.name)) continue
      const template = structuredClone(ds.spec.template)
      store.create(podsRes, ns, {
        metadata: {
          generateName: `${ds.metadata.name}-`,
          namespace: ns,
          labels: {
            ...(template.metadata?.labels ?? {}),
            'controller-revision-hash': templateHash(ds),
            'pod-template-generation': generation,
          },
          annotations: template.metadata?.annotations ?? {},
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'DaemonSet',
              name: ds.metadata.name!,
              uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          ...template.spec,
          tolerations: [...(template.spec.tolerations ?? []), ...DS_TOLERATIONS],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {matchFields: [{key: 'metadata.name', operator: 'In', values: [node.metadata.name!]}]},
                ],
              },
            },
          },
        },
        status: {phase: 'Pending'},
      })
    }
    const current = (store.list(podsRes, ns) as (Obj & Pod)[]).filter((p) => ownedBy(p, uid))
    rollingUpdate(store, ds, current, generation)
    writeStatus(store, ds, current, eligibleNames, generation)
  }
}

function rollingUpdate(store: Store, ds: Obj & DaemonSet, pods: (Obj & Pod)[], generation: string): void {
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return
  const maxUnavailable = Number(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1) || 1
  const old = pods.filter((p) => p.metadata.labels?.['pod-template-generation'] !== generation)
  let unavailable = pods.filter((p) => !podReady(p)).length
  for (const pod of old) {
    if (unavailable >= maxUnavailable && podReady(pod)) break
    store.delete(resourceByKind('Pod'), pod.metadata.namespace, pod.metadata.name!)
    if (podReady(pod)) unavailable++
  }
}

function writeStatus(
  store: Store,
  ds: Obj & DaemonSet,
  pods: (Obj & Pod)[],
  eligible: Set<string>,
  generation: string,
): void {
  const scheduled = pods.filter((p) => p.spec.nodeName && eligible.has(p.spec.nodeName))
  const ready = scheduled.filter(podReady).length
  const status = {
    currentNumberScheduled: scheduled.length,
    desiredNumberScheduled: eligible.size,
    numberMisscheduled: pods.filter((p) => p.spec.nodeName && !eligible.has(p.spec.nodeName)).length,
    numberReady: ready,
    updatedNumberScheduled: scheduled.filter(
      (p) => p.metadata.labels?.['pod-template-generation'] === generation,
    ).length,
    numberAvailable: ready,
    numberUnavailable: eligible.size - ready,
    observedGeneration: ds.metadata.generation ?? 1,
  }
  if (JSON.stringify(status) !== JSON.stringify(ds.status)) {
    const live = store.get(resourceByKind('DaemonSet'), ds.metadata.namespace, ds.metadata.name!)
    if (live)
      store.update(
        resourceByKind('DaemonSet'),
        ds.metadata.namespace,
        ds.metadata.name!,
        {...live, status},
        'status',
      )
  }
}

/** The scheduler: bind each pending pod to a node it fits (DaemonSet pods name theirs). */
/**
 * The taints the node lifecycle controller puts on a cordoned node and on one that is not Ready
 * (TaintNodesByCondition), which the scheduler then honours like any other; the DaemonSet
 * controller's pods tolerate them (DS_TOLERATIONS).
 */
function withConditionTaints(node: Obj & Node): Obj & Node {
  const taints = [...(node.spec?.taints ?? [])]
  if (node.spec?.unschedulable) taints.push({key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule'})
  if (!podReady(node)) taints.push({key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'})
  return {...node, spec: {...node.spec, taints}}
}

export function syncScheduler(store: Store): void {
  const podsRes = resourceByKind('Pod')
  const nodes = store.list(resourceByKind('Node')) as (Obj & Node)[]
  for (const pod of store.list(podsRes) as (Obj & Pod)[]) {
    if (pod.spec.nodeName) continue
    const node = nodes.find((n) => fitsNode(pod.spec, withConditionTaints(n)).fits)
    if (node)
      store.update(podsRes, pod.metadata.namespace, pod.metadata.name!, {
        ...pod,
        spec: {...pod.spec, nodeName: node.metadata.name},
      })
  }
}
