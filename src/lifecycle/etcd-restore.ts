/**
 * Restoring an etcd member's data directory from a snapshot with etcdutl (`etcdutl snapshot
 * restore`, the tool etcd ships for it: the server cannot restore by itself). The snapshot's
 * SHA-256 is checked first, so a truncated or corrupt file is refused by name before anything on
 * disk changes. The restored member belongs to a new cluster (a new --initial-cluster-token gives
 * new member and cluster ids), so it can never be mistaken for a member of the cluster the
 * snapshot came from, and Kubernetes resource versions never go backwards (--bump-revision with
 * --mark-compacted, as the Kubernetes restore guide asks: watchers re-list instead of missing
 * writes).
 */
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chmod, mkdir, rename, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {errorMessage, KforgeError} from '../util/errors.js'
import {verifySnapshot} from './etcd-snapshot.js'

const exec = promisify(execFile)

/** What Kubernetes' etcd restore guide bumps by: far more writes than a cluster makes between snapshots. */
export const BUMP_REVISION = 1_000_000_000

export interface RestoreTarget {
  /** The member's data directory (`/var/lib/etcd`); the restored `member/` lands in it. */
  dataDir: string
  /** The member's name (kubeadm: the node name). */
  name: string
  /** The member's peer URL (kubeadm: `https://<advertise address>:2380`). */
  peerUrl: string
  /** The new cluster's identity; member and cluster ids are derived from it. */
  clusterToken: string
}

export interface RestoreOptions extends RestoreTarget {
  /** The snapshot as `etcdctl snapshot save` writes it: the database, then its SHA-256. */
  snapshot: Buffer
  /** Where the snapshot came from, for messages (a file name, or `backup <id>`). */
  source: string
  /** etcdutl to run: a binary (default `etcdutl` on PATH), or the one in the etcd image. */
  etcdutl?: Etcdutl
  /**
   * When the data dir already holds a `member/`: move it aside (never delete it) instead of
   * refusing. Default: refuse.
   */
  replaceExisting?: boolean
  now?: Date
}

/**
 * Where etcdutl comes from. A control-plane node has no etcdutl of its own, but it has containerd
 * and the etcd image its static pod runs, which carries etcdutl of the same release (upstream's
 * registry.k8s.io/etcd images do, and so do the local assets'): `ctr run` runs it there, with the
 * restore's work directory bind-mounted at the same path.
 */
export type Etcdutl = string | {image: string; containerdAddress: string}

/** etcdutl's path in upstream's etcd image. */
const IMAGE_ETCDUTL = '/usr/local/bin/etcdutl'

/** The argv that runs `etcdutl args...` with `work` reachable at its own path. */
export function etcdutlCommand(etcdutl: Etcdutl, work: string, args: string[]): [string, ...string[]] {
  if (typeof etcdutl === 'string') return [etcdutl, ...args]
  return [
    'ctr',
    `--address=${etcdutl.containerdAddress}`,
    '--namespace=k8s.io',
    'run',
    '--rm',
    '--mount',
    `type=bind,src=${work},dst=${work},options=rbind:rw`,
    etcdutl.image,
    `kforge-etcd-restore-${randomBytes(4).toString('hex')}`,
    IMAGE_ETCDUTL,
    ...args,
  ]
}

/** Pull the etcd image unless containerd has it (the kubelet will want it next anyway). */
async function ensureImage(etcdutl: Etcdutl): Promise<void> {
  if (typeof etcdutl === 'string') return
  const ctr = ['--address', etcdutl.containerdAddress, '--namespace', 'k8s.io', 'images']
  const listed = await exec('ctr', [...ctr, 'ls', '-q'], {maxBuffer: 16 << 20})
  if (listed.stdout.split('\n').includes(etcdutl.image)) return
  await exec('ctr', [...ctr, 'pull', etcdutl.image], {maxBuffer: 16 << 20})
}

export interface RestoreResult extends RestoreTarget {
  /** Where an existing `member/` was moved, when it was. */
  movedAside?: string
}

/** A new cluster token: says it is a restore, and of what, and never repeats. */
export function restoreClusterToken(from: string): string {
  const label = from.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40)
  return `kforge-restore-${label}-${randomBytes(4).toString('hex')}`
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

export async function restoreSnapshot(o: RestoreOptions): Promise<RestoreResult> {
  verifySnapshot(o.snapshot, o.source)
  const member = join(o.dataDir, 'member')
  let movedAside: string | undefined
  if (await exists(member)) {
    if (!o.replaceExisting) {
      throw new KforgeError(
        `${member} exists: this member has data already; restoring would hide it (pass --replace-existing to move it aside)`,
      )
    }
  }
  // The data dir may be a volume's mount point: work inside it, so the final step is a rename
  // on one filesystem, and etcdutl gets the empty directory it insists on.
  await mkdir(o.dataDir, {recursive: true, mode: 0o700})
  const work = join(o.dataDir, `.kforge-restore-${randomBytes(4).toString('hex')}`)
  await mkdir(work, {mode: 0o700})
  try {
    const file = join(work, 'snapshot.db')
    await writeFile(file, o.snapshot, {mode: 0o600})
    const restored = join(work, 'data')
    const args = [
      'snapshot',
      'restore',
      file,
      `--data-dir=${restored}`,
      `--name=${o.name}`,
      `--initial-cluster=${o.name}=${o.peerUrl}`,
      `--initial-advertise-peer-urls=${o.peerUrl}`,
      `--initial-cluster-token=${o.clusterToken}`,
      `--bump-revision=${BUMP_REVISION}`,
      '--mark-compacted',
    ]
    const etcdutl = o.etcdutl ?? 'etcdutl'
    const [cmd, ...argv] = etcdutlCommand(etcdutl, work, args)
    try {
      await ensureImage(etcdutl)
      await exec(cmd, argv, {maxBuffer: 16 << 20})
    } catch (err) {
      const stderr = (err as {stderr?: string}).stderr?.trim()
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
      throw new KforgeError(
        missing
          ? `${cmd}: not found (kforge etcd restore needs etcdutl of the cluster's etcd release: --etcdutl names it, or containerd's ctr runs it from the etcd image)`
          : `etcdutl snapshot restore of ${o.source} failed: ${stderr || errorMessage(err)}`,
        {cause: err},
      )
    }
    if (await exists(member)) {
      movedAside = join(
        o.dataDir,
        `member.before-restore-${(o.now ?? new Date()).toISOString().replace(/[-:.]/g, '')}`,
      )
      await rename(member, movedAside)
    }
    await rename(join(restored, 'member'), member)
    // etcd refuses a data dir others can read.
    await chmod(o.dataDir, 0o700)
  } finally {
    await rm(work, {recursive: true, force: true})
  }
  return {
    dataDir: o.dataDir,
    name: o.name,
    peerUrl: o.peerUrl,
    clusterToken: o.clusterToken,
    ...(movedAside ? {movedAside} : {}),
  }
}
