/**
 * State store backend: a local directory. Writes go to a temp file in the same directory and are
 * renamed into place, so a crash never leaves a half-written object. Secret objects are created
 * 0600 from the first byte (mode at open, not chmod afterwards).
 */
import {randomBytes} from 'node:crypto'
import {link, mkdir, open, readdir, readFile, rename, rm, stat} from 'node:fs/promises'
import {dirname, join, relative, sep} from 'node:path'
import {type CreateResult, checkKey, type StateStore, type WriteOptions} from './types.js'

/** A compare-and-swap takes milliseconds; a lock this old was left by a process that died holding it. */
const STALE_KEY_LOCK_MS = 10_000

export class LocalStateStore implements StateStore {
  constructor(readonly location: string) {}

  private path(key: string): string {
    return join(this.location, ...checkKey(key).split('/'))
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async write(key: string, body: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
    const target = this.path(key)
    const temp = await this.writeTemp(target, body, options)
    try {
      await rename(temp, target)
    } catch (err) {
      await rm(temp, {force: true})
      throw err
    }
  }

  /**
   * An exclusive create that never shows a half-written object: the complete temp file is
   * hard-linked to the key, which fails with EEXIST when the key exists (atomic on POSIX
   * filesystems, NFS included, where `open(O_EXCL)` historically was not).
   */
  async createIfAbsent(
    key: string,
    body: string | Uint8Array,
    options: WriteOptions = {},
  ): Promise<CreateResult> {
    const target = this.path(key)
    for (;;) {
      const temp = await this.writeTemp(target, body, options)
      try {
        await link(temp, target)
        return {created: true}
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      } finally {
        await rm(temp, {force: true})
      }
      const existing = await this.read(key)
      // Deleted between our link and our read: try again.
      if (existing !== undefined) return {created: false, existing}
    }
  }

  private async writeTemp(target: string, body: string | Uint8Array, options: WriteOptions): Promise<string> {
    await mkdir(dirname(target), {recursive: true, mode: 0o700})
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`
    const handle = await open(temp, 'wx', options.secret ? 0o600 : 0o644)
    try {
      await handle.writeFile(body)
      await handle.sync()
    } finally {
      await handle.close()
    }
    return temp
  }

  async replaceIf(
    key: string,
    expected: Uint8Array,
    body: string | Uint8Array,
    options: WriteOptions = {},
  ): Promise<boolean> {
    return this.underKeyLock(key, async () => {
      const current = await this.read(key)
      if (!current?.equals(expected)) return false
      await this.write(key, body, options)
      return true
    })
  }

  async deleteIf(key: string, expected: Uint8Array): Promise<boolean> {
    return this.underKeyLock(key, async () => {
      const current = await this.read(key)
      if (current === undefined) return true
      if (!current.equals(expected)) return false
      await this.delete(key)
      return true
    })
  }

  /**
   * Runs `fn` holding `<key>.lock` (an exclusive create). Every compare-and-swap on the key takes
   * it; a lock left by a crashed process is taken over once it is older than any swap can last.
   */
  private async underKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = `${this.path(key)}.lock`
    await mkdir(dirname(lock), {recursive: true, mode: 0o700})
    for (let attempt = 0; ; attempt++) {
      try {
        await (await open(lock, 'wx', 0o600)).close()
        break
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        const age = await stat(lock).then(
          (st) => Date.now() - st.mtimeMs,
          () => 0,
        )
        if (age > STALE_KEY_LOCK_MS) await rm(lock, {force: true})
        else await new Promise((r) => setTimeout(r, Math.min(5 * 2 ** attempt, 200)))
      }
    }
    try {
      return await fn()
    } finally {
      await rm(lock, {force: true})
    }
  }

  async list(prefix: string): Promise<string[]> {
    const root = prefix === '' ? this.location : this.path(prefix.replace(/\/$/, ''))
    const out: string[] = []
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[]
      try {
        entries = await readdir(dir, {withFileTypes: true})
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code === 'ENOENT' ||
          (err as NodeJS.ErrnoException).code === 'ENOTDIR'
        )
          return
        throw err
      }
      for (const entry of entries) {
        const full = join(dir, entry.name)
        if (entry.isDirectory()) await walk(full)
        else if (entry.isFile() && !entry.name.includes('.tmp-') && !entry.name.endsWith('.lock'))
          out.push(relative(this.location, full).split(sep).join('/'))
      }
    }
    await walk(root)
    return out.sort()
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), {force: true})
  }
}
