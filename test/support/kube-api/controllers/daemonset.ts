/**
 * The DaemonSet controller (one pod per eligible node, pinned there with required node affinity
 * on metadata.name, RollingUpdate with maxUnavailable or with maxSurge, status counters) and the
 * default scheduler's binding of pending pods, both reduced to what the pivot relies on. Surge is
 * the real controller's: with maxSurge > 0 and maxUnavailable 0, a node's new pod is created beside
 * its old one, and the old one is deleted once the new one is Ready (beside an old pod that is not
 * Ready, the new one is created without counting against maxSurge).
 */
import {createHash} from 'node:crypto'
import type {DaemonSet, Node, Pod, Toleration} from '../../../../src/kube/types.js'
import {admitPod} from '../admission.js'
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
      createPod(store, ds, node.metadata.name!, generation)
    }
    const current = (store.list(podsRes, ns) as (Obj & Pod)[]).filter((p) => ownedBy(p, uid))
    rollingUpdate(store, ds, current, generation)
    writeStatus(store, ds, current, eligibleNames, generation)
  }
}

function createPod(store: Store, ds: Obj & DaemonSet, nodeName: string, generation: string): void {
  const ns = ds.metadata.namespace!
  const uid = ds.metadata.uid!
  const template = structuredClone(ds.spec.template)
  // the real controller creates its pods through the API, so admission applies to them
  const pod: Obj = {
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
            nodeSelectorTerms: [{matchFields: [{key: 'metadata.name', operator: 'In', values: [nodeName]}]}],
          },
        },
      },
    },
    status: {phase: 'Pending'},
  } as Obj
  admitPod(pod)
  store.create(resourceByKind('Pod'), ns, pod)
}

function rollingUpdate(store: Store, ds: Obj & DaemonSet, pods: (Obj & Pod)[], generation: string): void {
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return
  const rolling = ds.spec.updateStrategy?.rollingUpdate
  const maxSurge = Number(rolling?.maxSurge ?? 0) || 0
  const isNew = (p: Obj & Pod) => p.metadata.labels?.['pod-template-generation'] === generation
  if (maxSurge > 0) {
    surge(store, ds, pods, generation, maxSurge, isNew)
    return
  }
  const maxUnavailable = Number(rolling?.maxUnavailable ?? 1) || 1
  const old = pods.filter((p) => !isNew(p))
  let unavailable = pods.filter((p) => !podReady(p)).length
  for (const pod of old) {
    if (unavailable >= maxUnavailable && podReady(pod)) break
    store.delete(resourceByKind('Pod'), pod.metadata.namespace, pod.metadata.name!)
    if (podReady(pod)) unavailable++
  }
}

function surge(
  store: Store,
  ds: Obj & DaemonSet,
  pods: (Obj & Pod)[],
  generation: string,
  maxSurge: number,
  isNew: (p: Obj & Pod) => boolean,
): void {
  const byNode = new Map<string, (Obj & Pod)[]>()
  for (const p of pods) {
    const node = targetNode(p)
    if (node) byNode.set(node, [...(byNode.get(node) ?? []), p])
  }
  let surging = [...byNode.values()].filter((ps) => ps.some(isNew) && ps.some((p) => !isNew(p))).length
  for (const [node, ps] of byNode) {
    const fresh = ps.find(isNew)
    const old = ps.filter((p) => !isNew(p))
    if (old.length === 0) continue
    if (fresh && podReady(fresh)) {
      for (const p of old) store.delete(resourceByKind('Pod'), p.metadata.namespace, p.metadata.name!)
    } else if (!fresh && old.every((p) => !podReady(p))) {
      // an old pod that is not available is replaced without counting against maxSurge
      createPod(store, ds, node, generation)
    } else if (!fresh && surging < maxSurge) {
      createPod(store, ds, node, generation)
      surging++
    }
  }
}

function writeStatus(
  store: Store,
  ds: Obj & DaemonSet,
  pods: (Obj & Pod)[],
  eligible: Set<string>,
  generation: string,
): void {
  // counted per node, as the real controller counts (a surging node has two pods)
  const nodes = [...eligible].map((n) => pods.filter((p) => p.spec.nodeName === n)).filter((ps) => ps.length)
  const ready = nodes.filter((ps) => ps.some(podReady)).length
  const status = {
    currentNumberScheduled: nodes.length,
    desiredNumberScheduled: eligible.size,
    numberMisscheduled: pods.filter((p) => p.spec.nodeName && !eligible.has(p.spec.nodeName)).length,
    numberReady: ready,
    updatedNumberScheduled: nodes.filter((ps) =>
      ps.some((p) => p.metadata.labels?.['pod-template-generation'] === generation),
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
