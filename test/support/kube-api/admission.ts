/**
 * The ServiceAccount admission plugin, for what kforge's pods meet (plugin/pkg/admission/serviceaccount):
 * a pod gets the namespace's `default` service account and, unless automountServiceAccountToken is
 * false (on the pod), a projected `kube-api-access-<suffix>` volume (token, CA, namespace) mounted
 * at /var/run/secrets/kubernetes.io/serviceaccount in every container; a mirror pod is left as it
 * is but may not name a service account, mount a Secret or project a token. The real kubelet and
 * API server showed why the self-hosted control plane needs both rules.
 */
import {randomBytes} from 'node:crypto'
import {errors} from './status.js'
import type {Obj} from './store.js'

const MIRROR = 'kubernetes.io/config.mirror'
const MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount'

interface PodLike {
  serviceAccountName?: string
  serviceAccount?: string
  automountServiceAccountToken?: boolean
  volumes?: {name: string; secret?: unknown; projected?: {sources?: {serviceAccountToken?: unknown}[]}}[]
  containers?: {volumeMounts?: {name: string; mountPath: string; readOnly?: boolean}[]}[]
  initContainers?: {volumeMounts?: {name: string; mountPath: string; readOnly?: boolean}[]}[]
}

/** Mutates `pod` as the plugin does, or throws its 403. */
export function admitPod(pod: Obj): void {
  const spec = pod.spec as PodLike
  const name = pod.metadata.name ?? pod.metadata.generateName ?? ''
  if (pod.metadata.annotations?.[MIRROR] !== undefined) {
    const refuse = (why: string) =>
      errors.forbidden(`pods "${name}" is forbidden: ${why}`, {name, kind: 'pods'})
    if (spec.serviceAccountName) throw refuse('a mirror pod may not reference service accounts')
    if ((spec.volumes ?? []).some((v) => v.secret)) throw refuse('a mirror pod may not reference secrets')
    if ((spec.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken)))
      throw refuse('a mirror pod may not use ServiceAccountToken volume projections')
    return
  }
  spec.serviceAccountName ||= 'default'
  spec.serviceAccount = spec.serviceAccountName
  if (spec.automountServiceAccountToken === false) return
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])]
  if (containers.some((c) => c.volumeMounts?.some((m) => m.mountPath === MOUNT_PATH))) return
  const volume = `kube-api-access-${randomBytes(3).toString('hex').slice(0, 5)}`
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name: volume,
      projected: {
        sources: [
          {serviceAccountToken: {expirationSeconds: 3607, path: 'token'}},
          {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
          {
            downwardAPI: {
              items: [{path: 'namespace', fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}}],
            },
          },
        ],
      } as {sources: {serviceAccountToken?: unknown}[]},
    },
  ]
  for (const c of containers)
    c.volumeMounts = [...(c.volumeMounts ?? []), {name: volume, readOnly: true, mountPath: MOUNT_PATH}]
}
