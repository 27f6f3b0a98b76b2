/**
 * The cluster lock on both state stores: two `update cluster --yes` at once once made two VPCs and
 * two KMS keys, and one pruned the other's security groups. A second writer now fails at once
 * naming the holder; the holder renews, recognises its own lease when the answer to its create was
 * lost, and gives the lease back however it ends; a stale lease yields only to --break-lock.
 */
import {spawnSync} from 'node:child_process'
import {hostname} from 'node:os'
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'
import {
  acquireLock,
  ClusterLockedError,
  type LeaseRecord,
  lockKey,
  withClusterLock,
} from '../../../src/state/lock.js'
import {openStateStore, type StateStore} from '../../../src/state/store.js'
import {Logger} from '../../../src/util/logger.js'
import {emulatorEnv} from '../../support/aws-env.js'
import {tempDir} from '../../support/cli.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function leaseIn(store: StateStore, cluster: string): Promise<LeaseRecord | undefined> {
  const bytes = await store.read(lockKey(cluster))
  return bytes && (JSON.parse(bytes.toString()) as LeaseRecord)
}

function lockContract(name: string, open: () => Promise<StateStore>): void {
  describe(`cluster lock on the ${name} state store`, () => {
    let store: StateStore
    beforeAll(async () => {
      store = await open()
    })

    it('refuses a second writer at once, naming the holder and its command', async () => {
      const first = await acquireLock(store, 'a.lock.example.com', {command: 'update cluster a --yes'})
      const started = Date.now()
      const second = acquireLock(store, 'a.lock.example.com', {command: 'delete cluster a --yes'})
      await expect(second).rejects.toThrow(ClusterLockedError)
      await expect(second).rejects.toThrow(
        new RegExp(
          `locked by .*@.* \\(pid ${process.pid}\\), running "update cluster a --yes" since .*wait for`,
        ),
      )
      expect(Date.now() - started).toBeLessThan(2000)
      await first.release()
      expect(await store.read(lockKey('a.lock.example.com'))).toBeUndefined()
      const third = await acquireLock(store, 'a.lock.example.com', {command: 'delete cluster a --yes'})
      expect((await leaseIn(store, 'a.lock.example.com'))?.command).toBe('delete cluster a --yes')
      await third.release()
    })

    it('takes its own lease when the answer to its create was lost', async () => {
      let lost = false
      const flaky: StateStore = {
        ...bound(store),
        // The create reaches the store; the answer never comes back.
        createIfAbsent: async (k, b, o) => {
          const result = await store.createIfAbsent(k, b, o)
          if (!lost) {
            lost = true
            throw Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'})
          }
          return result
        },
      }
      const lease = await acquireLock(flaky, 'b.lock.example.com', {command: 'update cluster b --yes'})
      expect(lost).toBe(true)
      expect((await leaseIn(store, 'b.lock.example.com'))?.id).toBe(lease.record.id)
      await lease.release()
      expect(await store.read(lockKey('b.lock.example.com'))).toBeUndefined()
    })

    it('renews the lease while it works and releases it on failure', async () => {
      const cluster = 'c.lock.example.com'
      let renewedDuring: string | undefined
      const failure = withClusterLock(
        store,
        cluster,
        {command: 'rolling-update', renewEveryMs: 40},
        async (l) => {
          for (let i = 0; i < 100 && !(renewedDuring! > l.record.acquired); i++) {
            await sleep(50)
            renewedDuring = (await leaseIn(store, cluster))?.renewed
          }
          expect(renewedDuring! > l.record.acquired).toBe(true)
          // Live: --break-lock does not take a lease that is being renewed (on a loaded machine a
          // 40 ms renewal may run late, so judge staleness on a scale that does not flake).
          await expect(
            acquireLock(store, cluster, {command: 'other', breakLock: true, staleAfterMs: 10_000}),
          ).rejects.toThrow(/that lease is live .* --break-lock leaves it/)
          throw new Error('the roll failed')
        },
      )
      await expect(failure).rejects.toThrow('the roll failed')
      expect(renewedDuring).toBeDefined()
      expect(await store.read(lockKey(cluster))).toBeUndefined()
    })

    it('renews one write at a time, and a release waits for the renewal in flight', async () => {
      const cluster = 'r.lock.example.com'
      let inFlight = 0
      let most = 0
      let writesAfterRelease = 0
      let released = false
      // Each renewal outlasts several intervals, as a write may on a loaded machine.
      const slow: StateStore = {
        ...bound(store),
        replaceIf: async (k, e, b, o) => {
          if (released) writesAfterRelease++
          inFlight++
          most = Math.max(most, inFlight)
          await sleep(120)
          try {
            return await store.replaceIf(k, e, b, o)
          } finally {
            inFlight--
          }
        },
      }
      const lease = await acquireLock(slow, cluster, {command: 'rolling-update', renewEveryMs: 20})
      await sleep(300)
      await lease.release()
      released = true
      expect(inFlight).toBe(0)
      await sleep(200)
      expect(most).toBe(1)
      expect(writesAfterRelease).toBe(0)
      expect(await store.read(lockKey(cluster))).toBeUndefined()
    })

    it('breaks a stale lease only with --break-lock', async () => {
      const cluster = 'd.lock.example.com'
      const hoursAgo = new Date(Date.now() - 3 * 3600_000).toISOString()
      const crashed: LeaseRecord = {
        id: 'crashed-run',
        holder: 'alice@laptop (pid 4242)',
        host: 'laptop',
        pid: 4242,
        command: 'update cluster d --yes',
        acquired: hoursAgo,
        renewed: hoursAgo,
      }
      await store.write(lockKey(cluster), JSON.stringify(crashed))
      await expect(acquireLock(store, cluster, {command: 'update cluster d --yes'})).rejects.toThrow(
        /locked by alice@laptop \(pid 4242\), running "update cluster d --yes" since .*last renewed 3h ago.*stopped renewing.*--break-lock/,
      )
      const lines: string[] = []
      const lease = await acquireLock(store, cluster, {
        command: 'update cluster d --yes',
        breakLock: true,
        logger: new Logger('info', (l) => lines.push(l)),
      })
      expect(lines.join('\n')).toContain('broke the stale lock on d.lock.example.com held by alice@laptop')
      expect((await leaseIn(store, cluster))?.id).toBe(lease.record.id)
      await lease.release()
    })

    it('calls a lease stale at once when its holder was a process of this machine that is gone', async () => {
      const cluster = 'f.lock.example.com'
      const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!
      const now = new Date().toISOString()
      const killed: LeaseRecord = {
        id: 'killed-run',
        holder: `me@${hostname()} (pid ${gone})`,
        host: hostname(),
        pid: gone,
        command: 'update cluster f --yes',
        acquired: now,
        renewed: now,
      }
      await store.write(lockKey(cluster), JSON.stringify(killed))
      await expect(acquireLock(store, cluster, {command: 'update cluster f --yes'})).rejects.toThrow(
        /last renewed \d+s ago .*that process is gone \(killed or crashed\); run again with --break-lock/,
      )
      const lease = await acquireLock(store, cluster, {command: 'update cluster f --yes', breakLock: true})
      expect((await leaseIn(store, cluster))?.id).toBe(lease.record.id)
      await lease.release()
    })

    it('notices a lease broken under it and never removes the new holder', async () => {
      const cluster = 'e.lock.example.com'
      const lines: string[] = []
      const lease = await acquireLock(store, cluster, {
        command: 'update cluster e --yes',
        logger: new Logger('info', (l) => lines.push(l)),
      })
      // Someone breaks it by hand and another run takes it; then our next renewal comes round.
      await store.delete(lockKey(cluster))
      const other = await acquireLock(store, cluster, {command: 'delete cluster e --yes'})
      await lease.renew()
      expect(lease.lost).toMatch(/broken and is now held by .* \(delete cluster e --yes\)/)
      expect(lines.join('\n')).toContain('stop and check what changed')
      await lease.release()
      expect((await leaseIn(store, cluster))?.id).toBe(other.record.id)
      await other.release()
    })

    it('never overwrites a lease that another run took while its renewal was on the wire', async () => {
      const cluster = 'f.lock.example.com'
      let other: Awaited<ReturnType<typeof acquireLock>> | undefined
      // The break and the new lease land after the renewal looked and before its write arrives.
      const racing: StateStore = {
        ...bound(store),
        replaceIf: async (k, e, b, o) => {
          await store.delete(k)
          other = await acquireLock(store, cluster, {command: 'delete cluster f --yes'})
          return store.replaceIf(k, e, b, o)
        },
      }
      const lease = await acquireLock(racing, cluster, {command: 'update cluster f --yes'})
      await lease.renew()
      expect(lease.lost).toMatch(/now held by .* \(delete cluster f --yes\)/)
      expect((await leaseIn(store, cluster))?.id).toBe(other!.record.id)
      await lease.release()
      expect((await leaseIn(store, cluster))?.id).toBe(other!.record.id)
      await other!.release()
    })
  })
}

/** The store's methods as plain functions, for a wrapper that replaces one of them. */
function bound(store: StateStore): StateStore {
  return {
    location: store.location,
    read: (k) => store.read(k),
    write: (k, b, o) => store.write(k, b, o),
    list: (p) => store.list(p),
    delete: (k) => store.delete(k),
    createIfAbsent: (k, b, o) => store.createIfAbsent(k, b, o),
    replaceIf: (k, e, b, o) => store.replaceIf(k, e, b, o),
    deleteIf: (k, e) => store.deleteIf(k, e),
  }
}

lockContract('local', () => openStateStore(tempDir()))

lockContract('s3', async () => {
  Object.assign(process.env, emulatorEnv())
  const s3 = new S3Client({forcePathStyle: true})
  await s3.send(new CreateBucketCommand({Bucket: 'kforge-lock-test'}))
  return openStateStore('s3://kforge-lock-test/team')
})
