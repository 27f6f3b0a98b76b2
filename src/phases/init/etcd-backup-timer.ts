/**
 * etcd-backup-timer (kforge; init and join --control-plane): write and start the scheduled etcd
 * backup's units (src/lifecycle/backup-units.ts) when `/etc/kforge/node.yaml` asks for backups.
 * Every control-plane node carries them, so backups go on whichever members remain.
 */
import {installBackupUnits} from '../../lifecycle/backup-units.js'
import type {Phase} from '../workflow.js'
import {nodeConfig} from './api/addon/node-config.js'

export function etcdBackupTimerPhase<D extends {rootDir: string}>(
  isControlPlane: (d: D) => boolean,
): Phase<D> {
  return {
    name: 'etcd-backup-timer',
    short: 'Install the scheduled etcd backup (systemd timer)',
    runIf: async (d) => isControlPlane(d) && (await nodeConfig(d)).etcdBackups !== undefined,
    run: async (d, ctx) => {
      const b = (await nodeConfig(d)).etcdBackups!
      if (ctx.dryRun) {
        ctx.logger.info(`[etcd-backup-timer] dry run: would install the etcd backup timer (${b.schedule})`)
        return
      }
      const written = await installBackupUnits(d.rootDir, b)
      ctx.logger.info(
        `[etcd-backup-timer] Wrote ${written.join(', ')}: etcd backups on "${b.schedule}", kept ${b.retention.all} all, ${b.retention.hourly} hourly, ${b.retention.daily} daily`,
      )
    },
  }
}
