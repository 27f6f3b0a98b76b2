/**
 * The cluster lock: a lease object `<cluster>/lock.json` in the state store, taken with the
 * store's conditional create, so two operators (or two terminals) never change one cluster at
 * once. The lease names its holder, command and times; the holder renews it while it works (a
 * rolling update outlasts any fixed timeout) and removes it when done. Reads take no lock.
 *
 * Nothing breaks a lease by itself: a lease whose holder stopped renewing (or, on this machine,
 * whose process is gone) is only called stale, and `--break-lock` removes it. Staleness compares the holder's clock (in the lease) with ours,
 * so clocks that disagree by minutes make a live lease look stale or a dead one look fresh.
 */
import {randomUUID} from 'node:crypto'
import {hostname, userInfo} from 'node:os'
import {errorMessage, KforgeError} from '../util/errors.js'
import {type Logger, silentLogger} from '../util/logger.js'
import type {StateStore} from './store.js'

export const LOCK_FILE = 'lock.json'

export function lockKey(cluster: string): string {
  return `${cluster}/${LOCK_FILE}`
}

/** What the lease object holds. */
export interface LeaseRecord {
  /** Random per acquisition: how a holder recognises its own lease. */
  id: string
  /** `user@host (pid N)`: for the person who finds the cluster locked. */
  holder: string
  host: string
  pid: number
  /** `update cluster demo.example.com`. */
  command: string
  acquired: string
  renewed: string
}

export interface LockOptions {
  command: string
  /** Remove a stale lease first (`--break-lock`). Default: false. */
  breakLock?: boolean
  /** How often the holder renews. Default: 30 s. */
  renewEveryMs?: number
  /** A lease not renewed for this long is stale. Default: 4 renewals. */
  staleAfterMs?: number
  logger?: Logger
  now?: () => Date
}

/** Another holder has the lease: the error names it. */
export class ClusterLockedError extends KforgeError {
  constructor(
    message: string,
    readonly lease: LeaseRecord | undefined,
  ) {
    super(message)
    this.name = 'ClusterLockedError'
  }
}

function renewInterval(options: LockOptions): number {
  return options.renewEveryMs ?? 30_000
}

function parseLease(bytes: Buffer): LeaseRecord | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as Partial<LeaseRecord>
    return typeof value.id === 'string' && typeof value.renewed === 'string'
      ? (value as LeaseRecord)
      : undefined
  } catch {
    return undefined
  }
}

/** Whether a process of this machine is alive (a lease's holder that died cannot renew or release). */
function isRunning(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

function ago(ms: number): string {
  if (ms < 0) return 'in the future (clocks disagree)'
  const s = Math.round(ms / 1000)
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`
}

/** A lease this process holds. */
function leaseBytes(record: LeaseRecord): Buffer {
  return Buffer.from(`${JSON.stringify(record, null, 2)}\n`)
}

export class Lease {
  /** Why the lease is no longer ours (broken by someone else), once renewal finds out. */
  lost: string | undefined
  private timer: NodeJS.Timeout | undefined
  private released = false
  /** The renewal under way: release waits for it, or its write (retried after a lost answer) could land after the delete. */
  private renewing: Promise<void> | undefined
  /** The lease's bytes as we last wrote them: what a renewal or the release swaps against. */
  private written: Buffer

  constructor(
    private readonly store: StateStore,
    readonly cluster: string,
    readonly record: LeaseRecord,
    private readonly options: LockOptions,
  ) {
    this.written = leaseBytes(record)
    const every = renewInterval(options)
    this.timer = setInterval(() => {
      // One renewal at a time: on a loaded machine a write can outlast the interval, and two in
      // flight would leave release() waiting for only one of them while the other still writes.
      if (this.renewing) return
      this.renewing = this.renew().finally(() => {
        this.renewing = undefined
      })
    }, every)
    // A forgotten lease must never keep the process alive.
    this.timer.unref()
  }

  private get logger(): Logger {
    return this.options.logger ?? silentLogger
  }

  /**
   * Write a new `renewed` time, only over our own last write: a compare-and-swap, so a lease that
   * was broken and taken by someone else between our read and our write is never overwritten.
   */
  async renew(): Promise<void> {
    if (this.released || this.lost) return
    try {
      const now = (this.options.now ?? (() => new Date()))().toISOString()
      const next = leaseBytes({...this.record, renewed: now})
      if (await this.store.replaceIf(lockKey(this.cluster), this.written, next)) {
        this.record.renewed = now
        this.written = next
        return
      }
      const current = await this.store.read(lockKey(this.cluster))
      const held = current && parseLease(current)
      this.lost =
        held && held.id !== this.record.id
          ? `the lock on ${this.cluster} was broken and is now held by ${held.holder} (${held.command})`
          : `the lock on ${this.cluster} was removed or changed by someone else`
      this.stop()
      this.logger.error(`${this.lost}: stop and check what changed before running again`)
    } catch (err) {
      // A missed renewal is not fatal: the next one may succeed long before the lease is stale.
      this.logger.warn(`could not renew the lock on ${this.cluster}: ${errorMessage(err)}`)
    }
  }

  /** Remove the lease if it is still ours. Safe to call more than once. */
  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    this.stop()
    await this.renewing
    // Only our own bytes go: a lease someone else took after breaking ours stays theirs.
    await this.store.deleteIf(lockKey(this.cluster), this.written)
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}

/**
 * Take the cluster's lease, or fail at once naming who holds it. A transient error from the
 * store is retried: if the create went through and only its answer was lost, the retry finds
 * our own lease and takes it.
 */
export async function acquireLock(store: StateStore, cluster: string, options: LockOptions): Promise<Lease> {
  const now = (options.now ?? (() => new Date()))()
  const record: LeaseRecord = {
    id: randomUUID(),
    holder: `${userInfo().username}@${hostname()} (pid ${process.pid})`,
    host: hostname(),
    pid: process.pid,
    command: options.command,
    acquired: now.toISOString(),
    renewed: now.toISOString(),
  }
  const body = leaseBytes(record)
  const staleAfter = options.staleAfterMs ?? 4 * renewInterval(options)
  const where = `${store.location}/${lockKey(cluster)}`
  let broke = false
  for (let attempt = 1; ; attempt++) {
    let result: Awaited<ReturnType<StateStore['createIfAbsent']>>
    try {
      result = await store.createIfAbsent(lockKey(cluster), body)
    } catch (err) {
      if (err instanceof KforgeError || attempt >= 3) throw err
      continue
    }
    if (result.created) return new Lease(store, cluster, record, options)
    const held = parseLease(result.existing)
    if (held?.id === record.id) return new Lease(store, cluster, record, options)

    const age = held ? now.getTime() - Date.parse(held.renewed) : Number.POSITIVE_INFINITY
    const dead = held !== undefined && held.host === hostname() && !isRunning(held.pid)
    const stale = dead || !(age < staleAfter)
    const who = held
      ? `${held.holder}, running "${held.command}" since ${held.acquired}, last renewed ${ago(age)}`
      : 'an unreadable lease'
    if (options.breakLock && !broke) {
      if (!stale) {
        throw new ClusterLockedError(
          `cluster ${cluster} is locked by ${who}; that lease is live (a lease is stale only after ${Math.round(staleAfter / 1000)}s without renewal), so --break-lock leaves it: wait for that command to finish`,
          held,
        )
      }
      // Remove exactly the lease we judged stale, not one a third party took meanwhile.
      const again = await store.read(lockKey(cluster))
      if (again?.equals(result.existing)) await store.delete(lockKey(cluster))
      options.logger?.warn(`broke the stale lock on ${cluster} held by ${who}`)
      broke = true
      continue
    }
    const hint = dead
      ? `that process is gone (killed or crashed); run again with --break-lock`
      : stale
        ? `its holder stopped renewing it; if that command is no longer running, run again with --break-lock`
        : 'wait for that command to finish'
    throw new ClusterLockedError(`cluster ${cluster} is locked by ${who} (${where}); ${hint}`, held)
  }
}

/** Run `fn` holding the cluster's lease; the lease goes on success and on failure. */
export async function withClusterLock<T>(
  store: StateStore,
  cluster: string,
  options: LockOptions,
  fn: (lease: Lease) => Promise<T>,
): Promise<T> {
  const lease = await acquireLock(store, cluster, options)
  try {
    return await fn(lease)
  } finally {
    await lease.release()
  }
}
