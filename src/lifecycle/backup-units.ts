/**
 * The scheduled etcd backup of a control-plane node: a oneshot service that runs `kforge etcd
 * backup --scheduled` (the etcd leader's node snapshots to the state store and prunes by
 * retention; every other node exits at once) and the timer that starts it on
 * `spec.etcd.backups.schedule`. Written by `kforge init` and `kforge join --control-plane` (their
 * `etcd-backup-timer` phase) from `/etc/kforge/node.yaml`, like the other units the agent writes.
 */
import {execFile} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import type {NodeEtcdBackups} from '../render/node-bootstrap.js'

export const BACKUP_UNIT = 'kforge-etcd-backup'
export const BACKUP_SERVICE_PATH = `/etc/systemd/system/${BACKUP_UNIT}.service`
export const BACKUP_TIMER_PATH = `/etc/systemd/system/${BACKUP_UNIT}.timer`

/** systemd's quoting for one ExecStart argument (the values are validated; this keeps them one word). */
function arg(value: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`
}

export function backupServiceText(b: NodeEtcdBackups, binary = '/usr/local/bin/kforge'): string {
  const command = [
    binary,
    'etcd',
    'backup',
    '--scheduled',
    '--state',
    b.stateStore,
    ...(b.stateStoreRegion ? ['--region', b.stateStoreRegion] : []),
    ...(b.kmsKey ? ['--kms-key', b.kmsKey] : []),
    '--keep-all',
    b.retention.all,
    '--keep-hourly',
    b.retention.hourly,
    '--keep-daily',
    b.retention.daily,
  ]
  return [
    '# kforge: snapshot etcd to the state store, sealed with the cluster key, then prune old',
    '# backups by spec.etcd.backups.retention. Only the etcd leader takes it; other members exit 0.',
    '[Unit]',
    'Description=kforge etcd backup',
    'Wants=network-online.target',
    'After=network-online.target kubelet.service',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${command.map(arg).join(' ')}`,
    'TimeoutStartSec=15min',
    '',
  ].join('\n')
}

export function backupTimerText(b: NodeEtcdBackups): string {
  return [
    '# kforge: spec.etcd.backups.schedule',
    '[Unit]',
    'Description=kforge etcd backup on its schedule',
    '',
    '[Timer]',
    `OnCalendar=${b.schedule}`,
    // A run missed while the node was down happens at boot, not a whole period later.
    'Persistent=true',
    'AccuracySec=1min',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n')
}

/** Writes both units under `rootDir`; on the instance itself (`/`) also enables and starts the timer. */
export async function installBackupUnits(rootDir: string, b: NodeEtcdBackups): Promise<string[]> {
  const written: string[] = []
  for (const [path, text] of [
    [BACKUP_SERVICE_PATH, backupServiceText(b)],
    [BACKUP_TIMER_PATH, backupTimerText(b)],
  ] as const) {
    const full = join(rootDir, path)
    await mkdir(dirname(full), {recursive: true})
    await writeFile(full, text, {mode: 0o644})
    written.push(full)
  }
  if (rootDir === '/') {
    const run = promisify(execFile)
    await run('systemctl', ['daemon-reload'])
    await run('systemctl', ['enable', '--now', `${BACKUP_UNIT}.timer`])
  }
  return written
}
