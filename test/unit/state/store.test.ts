import {statSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {beforeAll, describe, expect, it} from 'vitest'
import {openStateStore, type StateStore} from '../../../src/state/store.js'
import {emulatorEnv} from '../../support/aws-env.js'
import {tempDir} from '../../support/cli.js'

function contract(name: string, open: () => Promise<StateStore>): void {
  describe(`${name} state store`, () => {
    let store: StateStore
    beforeAll(async () => {
      store = await open()
    })

    it('reads back what it wrote, and undefined for a missing key', async () => {
      await store.write('c1.example.com/config.yaml', 'kind: Cluster\n')
      expect((await store.read('c1.example.com/config.yaml'))?.toString()).toBe('kind: Cluster\n')
      expect(await store.read('c1.example.com/nope.yaml')).toBeUndefined()
    })

    it('overwrites atomically and lists keys under a prefix, sorted', async () => {
      await store.write('c2.example.com/pki/ca.crt', 'one')
      await store.write('c2.example.com/pki/ca.crt', 'two')
      await store.write('c2.example.com/config.yaml', 'x')
      await store.write('c3.example.com/config.yaml', 'y')
      expect(await store.list('c2.example.com/')).toEqual([
        'c2.example.com/config.yaml',
        'c2.example.com/pki/ca.crt',
      ])
      expect((await store.read('c2.example.com/pki/ca.crt'))?.toString()).toBe('two')
    })

    it('deletes a key, and deleting a missing key is not an error', async () => {
      await store.write('c4.example.com/a', 'a')
      await store.delete('c4.example.com/a')
      await store.delete('c4.example.com/a')
      expect(await store.list('c4.example.com/')).toEqual([])
    })

    it('creates an object only when none exists, and otherwise returns the one there', async () => {
      expect(await store.createIfAbsent('c5.example.com/lock.json', 'first')).toEqual({created: true})
      const again = await store.createIfAbsent('c5.example.com/lock.json', 'second')
      expect(again.created).toBe(false)
      expect(!again.created && again.existing.toString()).toBe('first')
      expect((await store.read('c5.example.com/lock.json'))?.toString()).toBe('first')
      expect(await store.list('c5.example.com/')).toEqual(['c5.example.com/lock.json'])
    })

    it('lets exactly one of many concurrent creators win; the others read the winner', async () => {
      const results = await Promise.all(
        Array.from({length: 8}, (_, i) => store.createIfAbsent('c6.example.com/init', `writer-${i}`)),
      )
      const winners = results.flatMap((r, i) => (r.created ? [`writer-${i}`] : []))
      expect(winners).toHaveLength(1)
      for (const r of results) if (!r.created) expect(r.existing.toString()).toBe(winners[0])
      expect((await store.read('c6.example.com/init'))?.toString()).toBe(winners[0])
    })

    it('replaces only over the bytes the caller last saw; of many concurrent swaps exactly one lands', async () => {
      const key = 'c7.example.com/lease'
      await store.write(key, 'v1')
      expect(await store.replaceIf(key, Buffer.from('v0'), 'stale')).toBe(false)
      expect((await store.read(key))?.toString()).toBe('v1')
      expect(await store.replaceIf(key, Buffer.from('v1'), 'v2')).toBe(true)
      expect((await store.read(key))?.toString()).toBe('v2')
      const results = await Promise.all(
        Array.from({length: 6}, (_, i) => store.replaceIf(key, Buffer.from('v2'), `writer-${i}`)),
      )
      const winners = results.flatMap((won, i) => (won ? [`writer-${i}`] : []))
      expect(winners).toHaveLength(1)
      expect((await store.read(key))?.toString()).toBe(winners[0])
      await store.delete(key)
      expect(await store.replaceIf(key, Buffer.from(winners[0]!), 'v3')).toBe(false)
      expect(await store.read(key)).toBeUndefined()
    })

    it('deletes only the bytes the caller last saw, and a key already gone counts as deleted', async () => {
      const key = 'c8.example.com/lease'
      await store.write(key, 'theirs')
      expect(await store.deleteIf(key, Buffer.from('mine'))).toBe(false)
      expect((await store.read(key))?.toString()).toBe('theirs')
      expect(await store.deleteIf(key, Buffer.from('theirs'))).toBe(true)
      expect(await store.read(key)).toBeUndefined()
      expect(await store.deleteIf(key, Buffer.from('theirs'))).toBe(true)
      expect(await store.list('c8.example.com/')).toEqual([])
    })

    it('refuses keys that would escape the store', async () => {
      await expect(store.write('../escape', 'x')).rejects.toThrow('is not a relative path')
      await expect(store.read('/etc/passwd')).rejects.toThrow('is not a relative path')
    })
  })
}

const dir = tempDir()
contract('local', () => openStateStore(dir))

contract('s3', async () => {
  Object.assign(process.env, emulatorEnv())
  const s3 = new S3Client({forcePathStyle: true})
  await s3.send(new CreateBucketCommand({Bucket: 'kforge-state-test'}))
  return openStateStore('s3://kforge-state-test/team/prod')
})

describe('local state store files', () => {
  it('writes secrets 0600 and other objects 0644, leaving no temp files', async () => {
    const root = tempDir()
    const store = await openStateStore(`file://${root}`)
    await store.write('c.example.com/pki/ca.key', 'secret', {secret: true})
    await store.write('c.example.com/pki/ca.crt', 'public')
    expect(statSync(join(root, 'c.example.com/pki/ca.key')).mode & 0o777).toBe(0o600)
    expect(statSync(join(root, 'c.example.com/pki/ca.crt')).mode & 0o777).toBe(0o644)
    expect(await readdir(join(root, 'c.example.com/pki'))).toEqual(['ca.crt', 'ca.key'])
  })

  it('takes KFORGE_STATE_STORE through --state at the CLI edge, and opens what it is given', async () => {
    // The library reads no environment: oclif fills --state from KFORGE_STATE_STORE (the
    // integration tests run every command that way), and the store opens exactly that location.
    const {BaseCommand} = await import('../../../src/cli/base.js')
    expect(BaseCommand.baseFlags.state.env).toBe('KFORGE_STATE_STORE')
    const root = tempDir()
    expect((await openStateStore(root)).location).toBe(root)
  })

  it('rejects a store URL it does not understand', async () => {
    await expect(openStateStore('gs://bucket')).rejects.toThrow(
      'expected a directory, file://dir or s3://bucket/prefix',
    )
  })
})

describe('s3 state store errors', () => {
  it('names the missing bucket', async () => {
    Object.assign(process.env, emulatorEnv())
    const store = await openStateStore('s3://kforge-no-such-bucket')
    await expect(store.read('x')).rejects.toThrow('bucket "kforge-no-such-bucket" does not exist')
  })
})
