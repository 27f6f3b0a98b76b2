/**
 * What "running a container" means on the simulated kubelet. The control-plane images are
 * recognised by their command and emulated: kube-apiserver opens an HTTPS listener with the
 * serving certificate, client CA and port its flags name; kube-controller-manager turns on the
 * cluster's controllers with the signing CA its flags name; kube-scheduler turns on scheduling.
 * Files are read through the pod's hostPath mounts from the node's root dir, so a pod that does
 * not mount the PKI cannot start — as on a real node. Anything else just runs.
 */
import {readFile} from 'node:fs/promises'
import {join, posix} from 'node:path'
import type {Container, Pod} from '../../../src/kube/types.js'
import type {ApiServerInstance, SimCluster} from './cluster.js'
import {serveEtcd} from './etcd.js'
import {loadCa} from './pki.js'

export interface NodeInfo {
  rootDir: string
  nodeName: string
  nodeIP: string
}

export interface RunningComponent {
  stop(): Promise<void>
  /** Where an apiserver listens; for tests. */
  url?: string
}

export class ContainerError extends Error {}

/** `--flag=value` pairs of a container's command and args, `$(VAR)` expanded from its env. */
export function containerFlags(pod: Pod, container: Container, node: NodeInfo): Map<string, string> {
  const env = new Map<string, string>()
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env.set(e.name, e.value)
    const field = e.valueFrom?.fieldRef?.fieldPath
    if (field === 'status.hostIP' || field === 'status.podIP') env.set(e.name, node.nodeIP)
    else if (field === 'spec.nodeName') env.set(e.name, node.nodeName)
    else if (field === 'metadata.name') env.set(e.name, pod.metadata.name ?? '')
    else if (field === 'metadata.namespace') env.set(e.name, pod.metadata.namespace ?? 'default')
  }
  const flags = new Map<string, string>()
  for (const raw of [...(container.command ?? []), ...(container.args ?? [])]) {
    const arg = raw.replace(
      /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
      (whole, name: string) => env.get(name) ?? whole,
    )
    const m = /^--?([^=]+)=(.*)$/.exec(arg)
    if (m) flags.set(m[1]!, m[2]!)
  }
  return flags
}

/** The node path (under the root dir) a container sees at `path`, through its hostPath mounts. */
export function hostPathOf(pod: Pod, container: Container, path: string, node: NodeInfo): string {
  let best: {mountPath: string; host: string} | undefined
  for (const m of container.volumeMounts ?? []) {
    const vol = pod.spec.volumes?.find((v) => v.name === m.name)
    if (!vol?.hostPath) continue
    const mp = m.mountPath.replace(/\/+$/, '')
    if ((path === mp || path.startsWith(`${mp}/`)) && (!best || mp.length > best.mountPath.length)) {
      best = {mountPath: mp, host: vol.hostPath.path}
    }
  }
  if (!best)
    throw new ContainerError(
      `open ${path}: no such file or directory (not mounted into container ${container.name})`,
    )
  return join(node.rootDir, posix.join(best.host, path.slice(best.mountPath.length)))
}

async function readInContainer(
  pod: Pod,
  c: Container,
  path: string | undefined,
  flag: string,
  node: NodeInfo,
): Promise<Buffer> {
  if (!path) throw new ContainerError(`flag --${flag} is required`)
  const host = hostPathOf(pod, c, path, node)
  try {
    return await readFile(host)
  } catch (err) {
    throw new ContainerError(
      `--${flag}: open ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
}

export function componentOf(c: Container): string {
  const cmd = c.command?.[0] ?? c.name
  return posix.basename(cmd)
}

export async function startContainer(
  cluster: SimCluster,
  pod: Pod,
  c: Container,
  node: NodeInfo,
  id: string,
): Promise<RunningComponent> {
  const flags = containerFlags(pod, c, node)
  switch (componentOf(c)) {
    case 'kube-apiserver': {
      const advertise = flags.get('advertise-address')
      if (advertise !== undefined && !/^[0-9.]+$|:/.test(advertise)) {
        throw new ContainerError(
          `invalid argument "${advertise}" for "--advertise-address" flag: failed to parse IP`,
        )
      }
      const [cert, key, ca] = await Promise.all([
        readInContainer(pod, c, flags.get('tls-cert-file'), 'tls-cert-file', node),
        readInContainer(pod, c, flags.get('tls-private-key-file'), 'tls-private-key-file', node),
        readInContainer(pod, c, flags.get('client-ca-file'), 'client-ca-file', node),
      ])
      const bind = flags.get('bind-address')
      const host = !bind || bind === '0.0.0.0' || bind === '::' ? node.nodeIP : bind
      let server: ApiServerInstance
      try {
        server = await cluster.startApiServer({
          host,
          port: Number(flags.get('secure-port') ?? 6443),
          certPem: cert,
          keyPem: key,
          clientCaPem: ca,
          permitPortSharing: flags.get('permit-port-sharing') === 'true',
        })
      } catch (err) {
        throw new ContainerError(
          `failed to listen on ${host}:${flags.get('secure-port') ?? 6443}: ${(err as Error).message}`,
        )
      }
      // kube-apiserver watches its serving certificate files and reloads them (since 1.17)
      const files = () =>
        Promise.all([
          readInContainer(pod, c, flags.get('tls-cert-file'), 'tls-cert-file', node),
          readInContainer(pod, c, flags.get('tls-private-key-file'), 'tls-private-key-file', node),
          readInContainer(pod, c, flags.get('client-ca-file'), 'client-ca-file', node),
        ])
      let current = Buffer.concat([cert, key, ca])
      const watcher = setInterval(() => {
        files()
          .then(([cert2, key2, ca2]) => {
            const next = Buffer.concat([cert2, key2, ca2])
            if (next.equals(current)) return
            server.reloadServingCert(cert2, key2, ca2)
            current = next
          })
          .catch(() => {}) // mid-write or briefly absent: keep serving the old certificate
      }, 200)
      watcher.unref()
      return {
        url: server.url,
        stop: () => {
          clearInterval(watcher)
          return server.close()
        },
      }
    }
    case 'kube-controller-manager': {
      const certPath = flags.get('cluster-signing-cert-file')
      const keyPath = flags.get('cluster-signing-key-file')
      let ca: Awaited<ReturnType<typeof loadCa>> | undefined
      if (certPath || keyPath) {
        const [cert, key] = await Promise.all([
          readInContainer(pod, c, certPath, 'cluster-signing-cert-file', node),
          readInContainer(pod, c, keyPath, 'cluster-signing-key-file', node),
        ])
        ca = await loadCa(cert, key)
      }
      cluster.addControllerManager(id, ca)
      return {stop: async () => cluster.removeControllerManager(id)}
    }
    case 'etcd': {
      const name = flags.get('name') ?? node.nodeName
      const peer = (flags.get('initial-advertise-peer-urls') ?? '').split(',')[0] ?? ''
      const client = (flags.get('advertise-client-urls') ?? '').split(',').filter(Boolean)
      const [cert, key, ca] = await Promise.all([
        readInContainer(pod, c, flags.get('cert-file'), 'cert-file', node),
        readInContainer(pod, c, flags.get('key-file'), 'key-file', node),
        readInContainer(pod, c, flags.get('trusted-ca-file'), 'trusted-ca-file', node),
      ])
      try {
        cluster.etcd.start(name, peer, client, flags.get('initial-cluster-state') ?? 'new')
      } catch (err) {
        throw new ContainerError((err as Error).message)
      }
      const url = client[0] ? new URL(client[0]) : undefined
      if (!url) return {stop: async () => {}}
      try {
        const srv = await serveEtcd(
          cluster.etcd,
          () => cluster.etcd.members.find((m) => m.name === name)?.ID ?? '0',
          {host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 2379)},
          {cert, key, ca},
        )
        return {url: client[0], stop: () => srv.close()}
      } catch (err) {
        throw new ContainerError(`listen ${client[0]}: ${(err as Error).message}`)
      }
    }
    case 'kube-scheduler':
      cluster.addScheduler(id)
      return {stop: async () => cluster.removeScheduler(id)}
    default:
      return {stop: async () => {}}
  }
}
