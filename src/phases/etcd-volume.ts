/**
 * `etcd-volume`, the first phase of `kforge init` and of a control-plane `kforge join` (kforge's,
 * not kubeadm's): this member's EBS volume attached and mounted at etcd's data dir before anything
 * writes there (src/lifecycle/etcd-volume.ts). It runs only on an instance kforge provisioned (its
 * cloud-config wrote the NodeBootstrap document, /etc/kforge/node.yaml): elsewhere kforge init is
 * kubeadm's and the data dir is a plain directory. `--skip-phases etcd-volume` keeps etcd on the
 * root volume. Run alone on a running control-plane node (`kforge init phase etcd-volume`), it
 * finds the volume attached and mounted and grows the filesystem into a volume `update cluster`
 * grew (spec.etcd.volumeSize).
 */
import {constants} from 'node:fs'
import {access} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {NODE_CONFIG_FILE} from '../api/v1alpha1/node-bootstrap.js'
import {type EtcdVolumeAccess, type MountedEtcdVolume, mountEtcdVolume} from '../lifecycle/etcd-volume.js'
import type {Phase} from './workflow.js'

export interface EtcdVolumeInput {
  rootDir: string
  /** The etcd data dir; undefined: no local etcd on this node (external etcd, a worker). */
  dataDir: string | undefined
  access: EtcdVolumeAccess | undefined
  /** Where the phase leaves what it mounted, for the etcd phases after it. */
  mounted(volume: MountedEtcdVolume): void
}

/**
 * The etcd member's name: the volume's member (`kforge.dev/etcd-member`, the control-plane group)
 * where this node mounted one, else the node name, as kubeadm names it. On AWS the node name is
 * the instance's host name, which a replacement does not share; the volume it mounts is the same,
 * so the member keeps its name across replacements, as the member id its data carries.
 */
export function etcdMemberName(mounted: MountedEtcdVolume | undefined, nodeName: string): string {
  return mounted?.member ?? nodeName
}

async function provisionedByKforge(rootDir: string): Promise<boolean> {
  return access(join(rootDir, NODE_CONFIG_FILE), constants.F_OK).then(
    () => true,
    () => false,
  )
}

export function etcdVolumePhase<D>(input: (d: D) => EtcdVolumeInput): Phase<D> {
  return {
    name: 'etcd-volume',
    short: "Attach, mount and grow this member's etcd EBS volume (instances kforge provisioned)",
    runIf: async (d) => {
      const i = input(d)
      return i.access !== undefined && i.dataDir !== undefined && (await provisionedByKforge(i.rootDir))
    },
    run: async (d, ctx) => {
      const i = input(d)
      if (!i.access || !i.dataDir) return
      if (ctx.dryRun) {
        ctx.logger.info(
          `[etcd-volume] dry run: would attach this member's volume, mount it at ${i.dataDir} and grow its filesystem to the volume`,
        )
        return
      }
      // On the instance itself systemd mounts it (and again at every boot); under a root dir
      // (a test, an image build) there is no systemd of that root to ask.
      const mount = resolve(i.rootDir) === '/' ? 'systemd' : 'direct'
      const mounted = await mountEtcdVolume(i.access, {
        rootDir: i.rootDir,
        dataDir: i.dataDir,
        logger: ctx.logger,
        mount,
      })
      i.mounted(mounted)
    },
  }
}
