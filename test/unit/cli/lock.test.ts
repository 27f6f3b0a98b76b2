/**
 * Ctrl-C at the command edge: the lease is in the store before the answer to its create is back,
 * so a signal in that gap (which once killed the process and left the lease behind) must still
 * give the lease back and exit with the shell's code for the signal.
 */
import {afterEach, describe, expect, it, vi} from 'vitest'
import {runLocked} from '../../../src/cli/lock.js'
import {lockKey} from '../../../src/state/lock.js'
import {openStateStore, type StateStore} from '../../../src/state/store.js'
import {Logger} from '../../../src/util/logger.js'
import {tempDir} from '../../support/cli.js'

class Exited extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`)
  }
}

afterEach(() => {
  vi.restoreAllMocks()
})

/** A store whose lease create lands, then the operator's Ctrl-C arrives before the answer does. */
async function storeInterruptedAtCreate(signal: NodeJS.Signals): Promise<StateStore> {
  const store = await openStateStore(`file://${tempDir('kforge-cli-lock-')}`)
  const create = store.createIfAbsent.bind(store)
  store.createIfAbsent = async (key, body) => {
    const result = await create(key, body)
    process.emit(signal, signal)
    return result
  }
  return store
}

describe('runLocked', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`gives the lease back and exits ${code} on ${signal} between the lease's create and its answer`, async () => {
      const exit = vi.spyOn(process, 'exit').mockImplementation((c) => {
        throw new Exited(c === undefined || c === null ? undefined : Number(c))
      })
      const store = await storeInterruptedAtCreate(signal)
      const work = vi.fn(async () => 'done')
      const warnings: string[] = []
      const logger = new Logger('warn', (line) => warnings.push(line))
      await expect(
        runLocked(store, 'gap.lock.example.com', {command: 'update cluster gap --yes', logger}, work),
      ).rejects.toThrow(Exited)
      expect(exit).toHaveBeenCalledWith(code)
      expect(work).not.toHaveBeenCalled()
      expect(await store.read(lockKey('gap.lock.example.com'))).toBeUndefined()
      expect(warnings).toContain(`${signal}: releasing the lock on gap.lock.example.com and stopping`)
      expect(process.listenerCount('SIGINT')).toBe(0)
    })
  }
})
