/**
 * What init and join write on a node, and so what reset removes (kubeadm's cleanup-node list, plus
 * kforge's self-hosting checkpoints). Every path is a host path under the root dir; `safeTarget`
 * refuses anything that would resolve outside it, symlinks included.
 */
import {lstat, readFile, realpath} from 'node:fs/promises'
import {dirname, isAbsolute, join, relative, sep} from 'node:path'
import {parse} from 'yaml'
import {WEBHOOK_KUBECONFIG, WEBHOOK_UNIT_PATH} from '../../podidentity/install.js'
import {KforgeError} from '../../util/errors.js'

export const KUBECONFIGS = [
  'admin.conf',
  'super-admin.conf',
  'kubelet.conf',
  'bootstrap-kubelet.conf',
  'controller-manager.conf',
  'scheduler.conf',
]
export const DEFAULT_ETCD_DATA_DIR = '/var/lib/etcd'
export const DEFAULT_CERT_DIR = '/etc/kubernetes/pki'

export interface ResetTargets {
  /** removed with their contents */
  dirs: string[]
  files: string[]
  /** kept because of --keep-pki */
  kept: string[]
}

/** The etcd data dir the local etcd static pod uses (its --data-dir), if there is one. */
export async function etcdDataDir(rootDir: string): Promise<string | undefined> {
  try {
    const pod = parse(await readFile(join(rootDir, 'etc/kubernetes/manifests/etcd.yaml'), 'utf8')) as {
      spec?: {containers?: {command?: string[]}[]}
    }
    const arg = pod.spec?.containers?.[0]?.command?.find((a) => a.startsWith('--data-dir='))
    return arg?.slice('--data-dir='.length)
  } catch {
    return undefined
  }
}

export async function resetTargets(
  rootDir: string,
  options: {keepPki: boolean; certDir?: string},
): Promise<ResetTargets> {
  const certDir = options.certDir ?? DEFAULT_CERT_DIR
  const dirs = [
    '/etc/kubernetes/manifests',
    '/etc/kubernetes/self-hosting',
    '/etc/kubernetes/tmp',
    '/var/lib/kubelet',
    (await etcdDataDir(rootDir)) ?? DEFAULT_ETCD_DATA_DIR,
  ]
  const kept: string[] = []
  if (options.keepPki) kept.push(certDir)
  else dirs.push(certDir)
  return {
    dirs,
    // kforge's pod identity webhook: its kubeconfig holds a client key, and its unit would
    // restart it without one
    files: [...KUBECONFIGS.map((f) => `/etc/kubernetes/${f}`), WEBHOOK_KUBECONFIG, WEBHOOK_UNIT_PATH],
    kept,
  }
}

/**
 * The node path under the root dir, after checking that neither it nor any parent escapes the
 * root through `..` or a symlink. A symlink as the last element is fine: removing it removes the
 * link, not its target.
 */
export async function safeTarget(rootDir: string, hostPath: string): Promise<string> {
  if (!isAbsolute(hostPath)) throw new KforgeError(`reset: refusing relative path ${hostPath}`)
  const root = await realpath(rootDir)
  const target = join(root, hostPath)
  const inside = (p: string) => {
    const rel = relative(root, p)
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
  }
  if (!inside(target) || target === root)
    throw new KforgeError(`reset: refusing ${hostPath}: it is not inside the root dir ${root}`)
  let parent = dirname(target)
  for (;;) {
    try {
      const real = await realpath(parent)
      if (!inside(real))
        throw new KforgeError(
          `reset: refusing ${hostPath}: ${parent} resolves to ${real}, outside the root dir ${root}`,
        )
      break
    } catch (err) {
      if (err instanceof KforgeError) throw err
      parent = dirname(parent) // does not exist yet: check the nearest existing ancestor
      if (parent === root || !inside(parent)) break
    }
  }
  return target
}

export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p)
    return true
  } catch {
    return false
  }
}
