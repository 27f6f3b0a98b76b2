/**
 * Init once, join ever after: the init claim on the real stores (a directory, and S3 on the moto
 * emulator), raced the way two "first" control-plane boots would race it.
 */
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'
import {
  claimInit,
  readInitRecord,
  recordInitComplete,
  STALE_AFTER_MS,
} from '../../../src/lifecycle/init-once.js'
import {openStateStore, type StateStore} from '../../../src/state/store.js'
import {emulatorEnv} from '../../support/aws-env.js'
import {tempDir} from '../../support/cli.js'

function claims(name: string, open: () => Promise<StateStore>): void {
  describe(`init claim on the ${name} store`, () => {
    let store: StateStore
    beforeAll(async () => {
      store = await open()
    })

    it('lets exactly one of two concurrent first boots init; the other joins', async () => {
      const [a, b] = await Promise.all([
        claimInit(store, 'race.example.com', 'i-0aaaaaaaaaaaaaaa1'),
        claimInit(store, 'race.example.com', 'i-0bbbbbbbbbbbbbbb2'),
      ])
      expect([a.action, b.action].sort()).toEqual(['init', 'join'])
      const winner = a.action === 'init' ? 'i-0aaaaaaaaaaaaaaa1' : 'i-0bbbbbbbbbbbbbbb2'
      expect((await readInitRecord(store, 'race.example.com'))?.holder).toBe(winner)
      const loser = a.action === 'join' ? a : b
      expect(loser.action === 'join' && loser.reason).toContain(`${winner} claimed init`)
    })

    it('takes over a claim whose holder is gone before finishing; two boots taking it over, one wins', async () => {
      const c = 'stale.example.com'
      expect((await claimInit(store, c, 'i-0dead', new Date(Date.now() - STALE_AFTER_MS))).action).toBe(
        'init',
      )
      const alive = async (id: string) => id !== 'i-0dead'
      // Too young to judge (EC2 may not show a holder launched moments ago): join.
      const young = 'young.example.com'
      await claimInit(store, young, 'i-0young')
      expect((await claimInit(store, young, 'i-0x', {holderAlive: async () => false})).action).toBe('join')
      // A holder still there keeps its claim: its init may yet finish.
      const waiting = await claimInit(store, c, 'i-0other', {holderAlive: async () => true})
      expect(waiting.action).toBe('join')
      const [a, b] = await Promise.all([
        claimInit(store, c, 'i-0new1', {holderAlive: alive}),
        claimInit(store, c, 'i-0new2', {holderAlive: alive}),
      ])
      expect([a.action, b.action].sort()).toEqual(['init', 'join'])
      const record = await readInitRecord(store, c)
      expect(record).toMatchObject({
        holder: a.action === 'init' ? 'i-0new1' : 'i-0new2',
        takenOverFrom: 'i-0dead',
      })
      // The new holder finishes; from then on everyone joins, gone holders or not.
      await recordInitComplete(store, c, record!.holder)
      expect((await claimInit(store, c, 'i-0later', {holderAlive: async () => false})).action).toBe('join')
    })

    it('makes every boot after a recorded init join, the original holder included', async () => {
      const c = 'done.example.com'
      expect((await claimInit(store, c, 'i-first')).action).toBe('init')
      const done = await recordInitComplete(store, c, 'i-first', new Date('2026-12-01T00:00:00Z'))
      expect(done.completedAt).toBe('2026-12-01T00:00:00.000Z')
      const replacement = await claimInit(store, c, 'i-replacement')
      expect(replacement.action).toBe('join')
      expect(replacement.action === 'join' && replacement.reason).toBe(
        'cluster done.example.com was initialised by i-first at 2026-12-01T00:00:00.000Z',
      )
      // The first instance rebooting after its init completed does not init again either.
      expect((await claimInit(store, c, 'i-first')).action).toBe('join')
      // A replacement that resumed the lone etcd member (`init --resume`) ends its boot by
      // recording completion: the record is complete already and stays the first holder's.
      expect(await recordInitComplete(store, c, 'i-replacement')).toEqual(done)
      expect(await readInitRecord(store, c)).toEqual(done)
    })

    it('lets the holder resume an init it had not finished, and refuses completion by another', async () => {
      const c = 'resume.example.com'
      expect((await claimInit(store, c, 'i-holder')).action).toBe('init')
      expect((await claimInit(store, c, 'i-holder')).action).toBe('init')
      await expect(recordInitComplete(store, c, 'i-other')).rejects.toThrow(
        'init was claimed by i-holder, not i-other',
      )
      expect((await readInitRecord(store, c))?.completedAt).toBeUndefined()
    })

    it('refuses to guess when the record is not one it wrote', async () => {
      await store.write('garbled.example.com/control-plane/init.json', 'not json')
      await expect(claimInit(store, 'garbled.example.com', 'i-x')).rejects.toThrow(
        'refusing to guess init or join',
      )
    })
  })
}

claims('local', () => openStateStore(tempDir('kforge-init-once-')))

claims('s3', async () => {
  Object.assign(process.env, emulatorEnv())
  const s3 = new S3Client({forcePathStyle: true})
  await s3.send(new CreateBucketCommand({Bucket: 'kforge-init-once-test'}))
  return openStateStore('s3://kforge-init-once-test/prod')
})
