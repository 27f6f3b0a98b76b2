/**
 * The command-line face of `kforge etcd restore` (node agent): where the snapshot comes from (a
 * file, a backup in the state store, or the restore `kforge restore cluster` asked for) and which
 * member it becomes (kubeadm's config, as `kforge init` reads it, or etcd's own flags).
 */
import {existsSync} from 'node:fs'
import {isIP} from 'node:net'
import {delimiter, join, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import type {Etcdutl} from '../lifecycle/etcd-restore.js'
import {hostPath} from '../phases/init/data.js'
import {KforgeError} from '../util/errors.js'

export const etcdRestoreFlags = {
  snapshot: Flags.string({
    description: 'snapshot file (etcdctl snapshot save format: the database, then its SHA-256)',
    exclusive: ['from'],
  }),
  from: Flags.string({description: 'backup id in the state store (kforge get backups)'}),
  cluster: Flags.string({
    description: 'cluster name for --from and the restore request (default: the assets manifest)',
  }),
  manifest: Flags.string({
    description: 'assets manifest naming the cluster and its region',
    default: '/etc/kforge/assets.json',
  }),
  config: Flags.string({
    description:
      'kubeadm config (InitConfiguration/ClusterConfiguration) naming this member, as `kforge init --config` reads it',
    exclusive: ['name', 'initial-advertise-peer-urls', 'data-dir'],
  }),
  name: Flags.string({description: "the member's name (kubeadm: the node name)"}),
  'initial-advertise-peer-urls': Flags.string({description: "the member's peer URL (https://IP:2380)"}),
  'data-dir': Flags.string({description: "the member's data directory", default: '/var/lib/etcd'}),
  'initial-cluster-token': Flags.string({
    description:
      "the restored cluster's token (default: a new one; a restore request's own, without --from and --snapshot)",
  }),
  'replace-existing': Flags.boolean({
    description:
      'move an existing member/ in the data dir aside (member.before-restore-TIME) instead of refusing (always, for a restore request)',
    default: false,
  }),
  etcdutl: Flags.string({
    description:
      "etcdutl of the cluster's etcd release (default: etcdutl on PATH, else, with --config, the one in the etcd image, run with containerd's ctr)",
  }),
  'root-dir': Flags.string({description: 'prefix for every host path', default: '/'}),
}

export interface Member {
  name: string
  peerUrl: string
  /** On this machine (under --root-dir). */
  dataDir: string
  /** As the config or flags name it, on the node. */
  configDataDir: string
  /** With --config: the etcd image the static pod runs, and containerd's socket. */
  image?: {image: string; containerdAddress: string}
}

export interface MemberFlags {
  config?: string | undefined
  name?: string | undefined
  'initial-advertise-peer-urls'?: string | undefined
  'data-dir': string
  'root-dir': string
}

/** The member to restore: from kubeadm's config exactly as the etcd static pod will run it, or flags. */
export async function memberFromFlags(f: MemberFlags): Promise<Member> {
  const rootDir = resolve(f['root-dir'])
  if (f.config !== undefined) {
    const {readKubeadmConfig} = await import('../kubeadm/load.js')
    const {completeInitConfig, detectHost} = await import('../kubeadm/defaults.js')
    const config = completeInitConfig(
      await readKubeadmConfig(f.config, {allowExperimental: true}),
      detectHost(),
      f.config,
    )
    const local = config.cluster.etcd.local
    if (local === undefined)
      throw new KforgeError(`--config ${f.config}: etcd is external; nothing to restore here`)
    const ip = config.init.localAPIEndpoint.advertiseAddress
    const {etcdVersionFor} = await import('../api/versions.js')
    const repo = local.imageRepository ?? config.cluster.imageRepository
    const tag = local.imageTag ?? etcdVersionFor(config.cluster.kubernetesVersion)
    return {
      name: config.init.nodeRegistration.name,
      peerUrl: `https://${isIP(ip) === 6 ? `[${ip}]` : ip}:2380`,
      dataDir: hostPath({rootDir}, local.dataDir),
      configDataDir: local.dataDir,
      image: {
        image: `${repo}/etcd:${tag}`,
        containerdAddress: config.init.nodeRegistration.criSocket.replace(/^unix:\/\//, ''),
      },
    }
  }
  const name = f.name
  const peerUrl = f['initial-advertise-peer-urls']
  if (name === undefined || peerUrl === undefined) {
    throw new KforgeError('name the member: --config FILE, or --name and --initial-advertise-peer-urls')
  }
  return {name, peerUrl, dataDir: hostPath({rootDir}, f['data-dir']), configDataDir: f['data-dir']}
}

/** --etcdutl, else etcdutl on PATH, else the etcd image's (with --config), else the bare name (which fails by name). */
export function chooseEtcdutl(
  flag: string | undefined,
  member: Member,
  path = process.env.PATH ?? '',
): Etcdutl {
  if (flag !== undefined) return flag
  if (path.split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'etcdutl')))) return 'etcdutl'
  return member.image ?? 'etcdutl'
}
