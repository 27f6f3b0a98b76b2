/**
 * The part of core/v1 Pod that static control-plane manifests use, and the pieces every kubeadm
 * static pod shares: labels, host network, node-critical priority, RuntimeDefault seccomp,
 * hostPath volumes, HTTP(S) probes.
 */
import {stringify} from 'yaml'
import type {EnvVar, HostPathMount} from '../types.js'

export interface HttpGet {
  host: string
  path: string
  port: number
  scheme: 'HTTP' | 'HTTPS'
}

export interface Probe {
  failureThreshold: number
  httpGet: HttpGet
  initialDelaySeconds?: number
  periodSeconds: number
  timeoutSeconds: number
}

export interface VolumeMount {
  mountPath: string
  name: string
  readOnly?: boolean
}

export interface Volume {
  hostPath: {path: string; type?: string}
  name: string
}

export interface Container {
  command: string[]
  env?: EnvVar[]
  image: string
  imagePullPolicy: string
  livenessProbe?: Probe
  name: string
  readinessProbe?: Probe
  resources: {requests: Record<string, string>}
  startupProbe?: Probe
  volumeMounts: VolumeMount[]
}

export interface Pod {
  apiVersion: 'v1'
  kind: 'Pod'
  metadata: {
    annotations?: Record<string, string>
    labels: Record<string, string>
    name: string
    namespace: 'kube-system'
  }
  spec: {
    containers: Container[]
    hostNetwork: true
    priority: number
    priorityClassName: 'system-node-critical'
    securityContext: {seccompProfile: {type: 'RuntimeDefault'}}
    volumes: Volume[]
  }
  status: Record<string, never>
}

export interface Mount {
  name: string
  hostPath: string
  mountPath: string
  readOnly: boolean
  type?: string
}

/** Probes kubeadm gives every control-plane component (liveness, readiness, startup). */
export function probes(
  httpGet: Omit<HttpGet, 'path'>,
  paths: {live: string; ready?: string; startup?: string},
): Pick<Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  const get = (path: string): HttpGet => ({
    host: httpGet.host,
    path,
    port: httpGet.port,
    scheme: httpGet.scheme,
  })
  const out: Pick<Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> = {
    livenessProbe: {
      failureThreshold: 8,
      httpGet: get(paths.live),
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 15,
    },
    startupProbe: {
      failureThreshold: 24,
      httpGet: get(paths.startup ?? paths.live),
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 15,
    },
  }
  if (paths.ready) {
    out.readinessProbe = {
      failureThreshold: 3,
      httpGet: get(paths.ready),
      periodSeconds: 1,
      timeoutSeconds: 15,
    }
  }
  return out
}

/** The host CA bundles kubeadm mounts read-only into the API server and controller manager. */
export function caCertMounts(): Mount[] {
  return [
    {
      name: 'ca-certs',
      hostPath: '/etc/ssl/certs',
      mountPath: '/etc/ssl/certs',
      readOnly: true,
      type: 'DirectoryOrCreate',
    },
    {
      name: 'etc-ca-certificates',
      hostPath: '/etc/ca-certificates',
      mountPath: '/etc/ca-certificates',
      readOnly: true,
      type: 'DirectoryOrCreate',
    },
    {
      name: 'usr-local-share-ca-certificates',
      hostPath: '/usr/local/share/ca-certificates',
      mountPath: '/usr/local/share/ca-certificates',
      readOnly: true,
      type: 'DirectoryOrCreate',
    },
    {
      name: 'usr-share-ca-certificates',
      hostPath: '/usr/share/ca-certificates',
      mountPath: '/usr/share/ca-certificates',
      readOnly: true,
      type: 'DirectoryOrCreate',
    },
  ]
}

/** The user's extraVolumes as mounts; a name the defaults already use replaces that default. */
export function withExtraVolumes(defaults: readonly Mount[], extra: readonly HostPathMount[]): Mount[] {
  const user: Mount[] = extra.map((v) => ({
    name: v.name,
    hostPath: v.hostPath,
    mountPath: v.mountPath,
    readOnly: v.readOnly ?? false,
    ...(v.pathType ? {type: v.pathType} : {}),
  }))
  const names = new Set(user.map((m) => m.name))
  return [...defaults.filter((m) => !names.has(m.name)), ...user].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )
}

export interface StaticPodOptions {
  name: string
  image: string
  imagePullPolicy: string
  command: string[]
  mounts: readonly Mount[]
  cpu: string
  memory?: string
  probes: Pick<Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'>
  env: readonly EnvVar[]
  annotations?: Record<string, string>
}

export function staticPod(o: StaticPodOptions): Pod {
  const container: Container = {
    command: o.command,
    ...(o.env.length > 0 ? {env: [...o.env]} : {}),
    image: o.image,
    imagePullPolicy: o.imagePullPolicy,
    ...(o.probes.livenessProbe ? {livenessProbe: o.probes.livenessProbe} : {}),
    name: o.name,
    ...(o.probes.readinessProbe ? {readinessProbe: o.probes.readinessProbe} : {}),
    resources: {requests: {cpu: o.cpu, ...(o.memory ? {memory: o.memory} : {})}},
    ...(o.probes.startupProbe ? {startupProbe: o.probes.startupProbe} : {}),
    volumeMounts: o.mounts.map((m) => ({
      mountPath: m.mountPath,
      name: m.name,
      ...(m.readOnly ? {readOnly: true} : {}),
    })),
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(o.annotations ? {annotations: o.annotations} : {}),
      labels: {component: o.name, tier: 'control-plane'},
      name: o.name,
      namespace: 'kube-system',
    },
    spec: {
      containers: [container],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      securityContext: {seccompProfile: {type: 'RuntimeDefault'}},
      volumes: o.mounts.map((m) => ({
        hostPath: {path: m.hostPath, ...(m.type ? {type: m.type} : {})},
        name: m.name,
      })),
    },
    status: {},
  }
}

export function serializePod(pod: Pod): string {
  return stringify(pod, {lineWidth: 0, indentSeq: false})
}
