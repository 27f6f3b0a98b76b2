/**
 * `spec.etcd.backups`: the defaults, and the checks a schedule and a retention must pass. The
 * defaults follow kops's etcd-manager: a snapshot every 15 minutes; what is kept thins out with
 * age (all for an hour, hourly for a week, daily for 30 days: about 4 + 168 + 23 backups).
 */
import type {EtcdBackups} from './types.js'

export const DEFAULT_BACKUP_SCHEDULE = '*:0/15'
export const DEFAULT_BACKUP_RETENTION: EtcdBackups['retention'] = {all: '1h', hourly: '7d', daily: '30d'}
/** Four periods of the default schedule: one late or failed backup is not yet an alarm. */
export const DEFAULT_BACKUP_STALE_AFTER = '1h'

const UNIT_MS = {m: 60_000, h: 3_600_000, d: 86_400_000} as const

/** `90m`, `36h`, `7d`, or `0`; undefined when it is none of those. */
export function retentionMs(value: string): number | undefined {
  if (value === '0') return 0
  const m = /^(\d{1,6})(m|h|d)$/.exec(value)
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined
}

/**
 * The schedule goes into a systemd timer as `OnCalendar=`: one line of calendar syntax. systemd
 * itself judges the expression (`systemd-analyze calendar`); this refuses what could never be
 * one, and anything that would write another line into the unit.
 */
const CALENDAR = /^[A-Za-z0-9*/:,.~ +-]{1,100}$/

/** The node's copy (node.yaml) has no `staleAfter`: only the provisioner's validation reads it. */
export function etcdBackupProblems(
  b: Pick<EtcdBackups, 'schedule' | 'retention'> & {staleAfter?: string},
): {path: string[]; message: string}[] {
  const out: {path: string[]; message: string}[] = []
  if (!CALENDAR.test(b.schedule) || b.schedule.trim() === '')
    out.push({
      path: ['schedule'],
      message: `("${b.schedule}") is not a systemd calendar expression like *:0/15, hourly or *-*-* 02:00:00`,
    })
  for (const key of ['all', 'hourly', 'daily'] as const) {
    if (retentionMs(b.retention[key]) === undefined)
      out.push({
        path: ['retention', key],
        message: `("${b.retention[key]}") is not an age like 90m, 36h or 7d (0 keeps none)`,
      })
  }
  const stale = b.staleAfter === undefined ? 1 : retentionMs(b.staleAfter)
  if (stale === undefined || stale === 0)
    out.push({
      path: ['staleAfter'],
      message: `("${b.staleAfter}") is not an age like 45m, 2h or 1d`,
    })
  return out
}
