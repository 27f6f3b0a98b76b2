/**
 * Static pod ⇄ DaemonSet, kubeadm's self-hosting mutations (phases/selfhosting, removed in 1.21):
 * DaemonSet `self-hosted-<component>` in kube-system, label/selector `k8s-app=self-hosted-<component>`,
 * control-plane nodeSelector and toleration, host networking kept, dnsPolicy
 * ClusterFirstWithHostNet; the API server advertises `$(HOST_IP)` from `status.hostIP`. The
 * hostPath volumes stay as they are: the pods read certificates from the node's PKI dir, so
 * renewing the files on disk keeps working. What the mutation replaced is recorded in an
 * annotation so the way back is exact.
 *
 * Where kforge departs from kubeadm, because the real kubelet and API server showed why:
 * - every component serves with `--permit-port-sharing=true` (SO_REUSEPORT): with host networking a
 *   second copy of a component (a rolled-out pod, a reboot checkpoint, the static pod of a
 *   rollback) otherwise cannot bind its port until the first one is gone, so each handover was a
 *   crash loop with the kubelet's back-off, and a rolling update of the only API server deleted
 *   the API before its successor could start (the DaemonSet controller then has no API to create
 *   it through).
 * - so the update strategy surges: maxSurge 1, maxUnavailable 0 — the new pod starts beside the
 *   old one on the shared port, and the old one goes once the new one is Ready.
 * - `automountServiceAccountToken: false`: the components authenticate with the node's
 *   kubeconfigs, and the API server's ServiceAccount admission would otherwise add a projected
 *   token volume that a static pod (a checkpoint) cannot have: the kubelet needs the API it is
 *   about to start to mint that token, and a mirror pod may not reference a service account.
 */
import {KforgeError} from '../../util/errors.js'
import type {Container, DaemonSet, Pod, PodSpec} from '../types.js'

export const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const
export type Component = (typeof COMPONENTS)[number]

export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane'
export const ORIGINAL_ANNOTATION = 'kforge.dev/static-pod'
export const HOST_IP_ENV = 'HOST_IP'
export const PORT_SHARING_FLAG = '--permit-port-sharing'

export function daemonSetName(component: Component): string {
  return `self-hosted-${component}`
}

export function selectorOf(component: Component): Record<string, string> {
  return {'k8s-app': daemonSetName(component)}
}

interface Original {
  name: string
  namespace: string
  labels: Record<string, string>
  annotations: Record<string, string>
  dnsPolicy?: string
  nodeSelector?: Record<string, string>
  tolerations?: PodSpec['tolerations']
  advertiseAddress?: string
  automountServiceAccountToken?: boolean
}

function mainContainer(spec: PodSpec, component: Component): Container {
  const c = spec.containers.find((x) => x.name === component) ?? spec.containers[0]
  if (!c) throw new KforgeError(`${component}: the pod has no containers`)
  return c
}

export function staticPodToDaemonSet(pod: Pod, component: Component): DaemonSet {
  const spec: PodSpec = structuredClone(pod.spec)
  const original: Original = {
    name: pod.metadata.name ?? component,
    namespace: pod.metadata.namespace ?? 'kube-system',
    labels: pod.metadata.labels ?? {},
    annotations: pod.metadata.annotations ?? {},
    ...(spec.dnsPolicy ? {dnsPolicy: spec.dnsPolicy} : {}),
    ...(spec.nodeSelector ? {nodeSelector: spec.nodeSelector} : {}),
    ...(spec.tolerations ? {tolerations: spec.tolerations} : {}),
    ...(spec.automountServiceAccountToken !== undefined
      ? {automountServiceAccountToken: spec.automountServiceAccountToken}
      : {}),
  }
  spec.automountServiceAccountToken = false
  const main = mainContainer(spec, component)
  const command = main.command ?? []
  if (!command.some((a) => a.startsWith(PORT_SHARING_FLAG)))
    main.command = [...command, `${PORT_SHARING_FLAG}=true`]
  spec.nodeSelector = {...(spec.nodeSelector ?? {}), [CONTROL_PLANE_LABEL]: ''}
  const tolerations = spec.tolerations ?? []
  if (!tolerations.some((t) => t.key === CONTROL_PLANE_LABEL))
    tolerations.push({key: CONTROL_PLANE_LABEL, operator: 'Exists', effect: 'NoSchedule'})
  spec.tolerations = tolerations
  spec.dnsPolicy = 'ClusterFirstWithHostNet'
  if (component === 'kube-apiserver') {
    const c = mainContainer(spec, component)
    const cmd = c.command ?? []
    const i = cmd.findIndex((a) => a.startsWith('--advertise-address='))
    if (i >= 0) {
      original.advertiseAddress = cmd[i]!.slice('--advertise-address='.length)
      cmd[i] = `--advertise-address=$(${HOST_IP_ENV})`
    } else {
      cmd.push(`--advertise-address=$(${HOST_IP_ENV})`)
    }
    c.env = [
      ...(c.env ?? []).filter((e) => e.name !== HOST_IP_ENV),
      {name: HOST_IP_ENV, valueFrom: {fieldRef: {fieldPath: 'status.hostIP'}}},
    ]
  }
  const labels = selectorOf(component)
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: daemonSetName(component),
      namespace: 'kube-system',
      labels,
      annotations: {[ORIGINAL_ANNOTATION]: JSON.stringify(original)},
    },
    spec: {
      selector: {matchLabels: labels},
      template: {metadata: {labels, annotations: original.annotations}, spec},
      updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: 1, maxUnavailable: 0}},
    },
  }
}

/**
 * The static pod for one node from a self-hosted DaemonSet: the current template (so changes made
 * while self-hosted survive), with the self-hosting mutations undone and the API server's
 * advertise address set to `hostIP`. `--permit-port-sharing=true` stays: the static pod starts
 * while the DaemonSet's pod still holds the port, which is what makes the rollback gapless.
 */
export function daemonSetToStaticPod(ds: DaemonSet, component: Component, hostIP: string): Pod {
  const raw = ds.metadata.annotations?.[ORIGINAL_ANNOTATION]
  const original: Partial<Original> = raw ? (JSON.parse(raw) as Original) : {}
  const spec: PodSpec = structuredClone(ds.spec.template.spec)
  delete spec.nodeName
  delete spec.affinity
  if (original.nodeSelector) spec.nodeSelector = original.nodeSelector
  else delete spec.nodeSelector
  if (original.tolerations) spec.tolerations = original.tolerations
  else delete spec.tolerations
  if (original.dnsPolicy) spec.dnsPolicy = original.dnsPolicy
  else delete spec.dnsPolicy
  if (original.automountServiceAccountToken !== undefined)
    spec.automountServiceAccountToken = original.automountServiceAccountToken
  else delete spec.automountServiceAccountToken
  if (component === 'kube-apiserver') {
    const c = mainContainer(spec, component)
    c.command = (c.command ?? []).map((a) =>
      a === `--advertise-address=$(${HOST_IP_ENV})` ? `--advertise-address=${hostIP}` : a,
    )
    c.env = (c.env ?? []).filter((e) => e.name !== HOST_IP_ENV)
    if (c.env.length === 0) delete c.env
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: original.name ?? component,
      namespace: original.namespace ?? 'kube-system',
      labels: original.labels ?? {component, tier: 'control-plane'},
      ...(original.annotations && Object.keys(original.annotations).length
        ? {annotations: original.annotations}
        : {}),
    },
    spec,
  }
}

/**
 * A self-hosted pod's spec as a static pod (the checkpoint): DaemonSet scheduling fields dropped —
 * the node selector too, since the kubelet admits static pods against the Node it knows at boot,
 * before the API is back, and that Node does not carry the control-plane label (the API's
 * mark-control-plane phase put it there) — and anything that refers to API objects (a service account, its token volume, Secret or
 * ConfigMap volumes): the kubelet cannot resolve those before the API is back, and the API server
 * refuses a mirror pod that names them.
 */
export function checkpointPod(pod: Pod, component: Component, nodeName: string): Pod {
  const spec: PodSpec = structuredClone(pod.spec)
  delete spec.nodeName
  delete spec.affinity
  delete spec.nodeSelector
  delete spec.serviceAccountName
  delete spec.serviceAccount
  spec.automountServiceAccountToken = false
  const apiVolumes = new Set(
    (spec.volumes ?? []).filter((v) => v.projected || v.secret || v.configMap).map((v) => v.name),
  )
  if (spec.volumes) spec.volumes = spec.volumes.filter((v) => !apiVolumes.has(v.name))
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((m) => !apiVolumes.has(m.name))
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: component,
      namespace: 'kube-system',
      labels: {component, tier: 'control-plane'},
      annotations: {
        'kforge.dev/checkpoint-of': `${pod.metadata.namespace}/${pod.metadata.name}`,
        'kforge.dev/node-name': nodeName,
      },
    },
    spec,
  }
}
