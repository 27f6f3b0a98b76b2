/**
 * Keys generated ahead of need. Node generates keys on the libuv thread pool, so starting every
 * key a run will need at once (and loading the X.509 library meanwhile) turns eleven sequential
 * RSA generations into a few parallel batches. A key nobody takes is simply dropped.
 */
import {type EncryptionAlgorithm, generateKey, type KeyPair} from './keys.js'

export class KeyPool {
  private readonly pending = new Map<string, Promise<KeyPair>>()

  constructor(readonly algorithm: EncryptionAlgorithm) {}

  /** Start generating keys for these ids now (ids already started are left alone). */
  prefetch(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.pending.has(id)) continue
      const p = generateKey(this.algorithm)
      p.catch(() => {}) // surfaced by take(); an unused key's failure must not crash the process
      this.pending.set(id, p)
    }
  }

  /** The key for `id`: the prefetched one, or a new one. Each key is handed out once. */
  take(id: string): Promise<KeyPair> {
    const p = this.pending.get(id)
    this.pending.delete(id)
    return p ?? generateKey(this.algorithm)
  }
}
