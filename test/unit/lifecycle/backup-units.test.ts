/**
 * The scheduled etcd backup's systemd units (src/lifecycle/backup-units.ts), from the spec through
 * `/etc/kforge/node.yaml` to the files the init/join phase writes: the defaults, the schedule and
 * retention carried into them, systemd's own verdict (systemd-analyze verify and calendar), and
 * the phase writing them under --root-dir.
 */
import {execFile} from 'node:child_process'
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {loadSpec, renderSpec} from '../../../src/api/v1alpha1/index.js'
import {NODE_CONFIG_FILE} from '../../../src/api/v1alpha1/node-bootstrap.js'
import {
  BACKUP_SERVICE_PATH,
  BACKUP_TIMER_PATH,
  backupServiceText,
  backupTimerText,
  installBackupUnits,
} from '../../../src/lifecycle/backup-units.js'
import {loadNodeConfig} from '../../../src/phases/init/api/addon/node-config.js'
import {nodeBootstrapFile} from '../../../src/render/node-bootstrap.js'
import {publicSingleCluster} from '../../fixtures/cloud/clusters.js'
import {tempDir} from '../../support/cli.js'

const run = promisify(execFile)

async function analyze(...args: string[]): Promise<string> {
  return run('systemd-analyze', args).then(
    (r) => `${r.stdout}${r.stderr}`,
    (err: {stdout?: string; stderr?: string}) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
  )
}

describe('scheduled etcd backup units', () => {
  it('defaults to every 15 minutes, keeping all for 1h, hourly for 7d, daily for 30d, stale after 1h', () => {
    const c = publicSingleCluster('units.example.com')
    expect(c.spec.etcd.backups).toEqual({
      enabled: true,
      schedule: '*:0/15',
      retention: {all: '1h', hourly: '7d', daily: '30d'},
      staleAfter: '1h',
    })
  })

  it('carries the spec through node.yaml into the service and the timer', async () => {
    const c = publicSingleCluster('units.example.com')
    // What a user writes: another schedule, one tier of the retention (the others default).
    const text = renderSpec(c)
      .replace(/schedule: .*/, 'schedule: "*-*-* 02:00:00"')
      .replace(/\n +all: 1h/, '')
      .replace(/\n +hourly: 7d/, '')
      .replace('daily: 30d', 'daily: 90d')
    const spec = loadSpec(text, 'units.yaml')
    expect(spec.spec.etcd.backups.retention).toEqual({all: '1h', hourly: '7d', daily: '90d'})
    const root = tempDir('kforge-backup-units-')
    const file = nodeBootstrapFile(spec, {stateStore: 's3://state/prefix', stateStoreRegion: 'eu-west-1'})
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(join(root, NODE_CONFIG_FILE), file.content)
    const b = (await loadNodeConfig(root)).etcdBackups!
    expect(b).toEqual({
      stateStore: 's3://state/prefix',
      stateStoreRegion: 'eu-west-1',
      schedule: '*-*-* 02:00:00',
      retention: {all: '1h', hourly: '7d', daily: '90d'},
    })
    const written = await installBackupUnits(root, b)
    expect(written).toEqual([join(root, BACKUP_SERVICE_PATH), join(root, BACKUP_TIMER_PATH)])
    const service = readFileSync(join(root, BACKUP_SERVICE_PATH), 'utf8')
    const timer = readFileSync(join(root, BACKUP_TIMER_PATH), 'utf8')
    expect(statSync(join(root, BACKUP_TIMER_PATH)).mode & 0o777).toBe(0o644)
    expect(service).toMatch(
      /^ExecStart=\/usr\/local\/bin\/kforge etcd backup --scheduled --state s3:\/\/state\/prefix --region eu-west-1 --keep-all 1h --keep-hourly 7d --keep-daily 90d$/m,
    )
    expect(service).toMatch(/^Type=oneshot$/m)
    expect(timer).toMatch(/^OnCalendar=\*-\*-\* 02:00:00$/m)
    expect(timer).toMatch(/^Persistent=true$/m)
    expect(timer).toMatch(/^WantedBy=timers\.target$/m)
  })

  it('disabled backups leave node.yaml without them, and no units', async () => {
    const c = publicSingleCluster('units.example.com')
    c.spec.etcd.backups.enabled = false
    const doc = parse(nodeBootstrapFile(c, {stateStore: 's3://state/prefix'}).content) as Record<
      string,
      unknown
    >
    expect(doc.etcdBackups).toBeUndefined()
  })

  it('refuses a node.yaml whose schedule would write another unit line', async () => {
    const root = tempDir('kforge-backup-units-')
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(
      join(root, NODE_CONFIG_FILE),
      'apiVersion: kforge.dev/v1alpha1\nkind: NodeBootstrap\netcdBackups:\n  stateStore: s3://s/p\n  schedule: "hourly\\nExecStartPre=/bin/sh"\n  retention: {all: 1h, hourly: 7d, daily: 30d}\n',
    )
    await expect(loadNodeConfig(root)).rejects.toThrow(
      /etcdBackups\.schedule: [\s\S]* is not a systemd calendar expression/,
    )
  })

  it('passes systemd-analyze verify, and systemd reads the default schedule as every 15 minutes', async () => {
    const b = {
      stateStore: 's3://state/prefix',
      schedule: '*:0/15',
      retention: {all: '1h', hourly: '7d', daily: '30d'},
    }
    const dir = tempDir('kforge-backup-verify-')
    writeFileSync(join(dir, 'kforge-etcd-backup.service'), backupServiceText(b))
    writeFileSync(join(dir, 'kforge-etcd-backup.timer'), backupTimerText(b))
    const output = await analyze(
      'verify',
      '--man=no',
      join(dir, 'kforge-etcd-backup.timer'),
      join(dir, 'kforge-etcd-backup.service'),
    )
    // The agent is installed at boot, not on this machine: the only complaint allowed.
    const complaints = output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => !l.includes('Command /usr/local/bin/kforge is not executable'))
    expect(complaints, output).toEqual([])
    expect(await analyze('calendar', '*:0/15')).toMatch(/Normalized form: \*-\*-\* \*:00\/15:00/)
  })
})
