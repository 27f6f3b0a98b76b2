/**
 * A state store seen by a plan: reads go through, writes are not made but noted, so `update
 * cluster` without --yes writes nothing and can say what the apply would store.
 */
import type {CreateResult, StateStore, WriteOptions} from './types.js'

export function readOnlyStore(store: StateStore, noted: (key: string) => void): StateStore {
  return {
    location: store.location,
    read: (key) => store.read(key),
    list: (prefix) => store.list(prefix),
    async write(key: string, _body: string | Uint8Array, _options?: WriteOptions): Promise<void> {
      noted(key)
    },
    async createIfAbsent(key: string): Promise<CreateResult> {
      const existing = await store.read(key)
      if (existing !== undefined) return {created: false, existing}
      noted(key)
      return {created: true}
    },
    async replaceIf(key: string, expected: Uint8Array): Promise<boolean> {
      const current = await store.read(key)
      if (!current?.equals(expected)) return false
      noted(key)
      return true
    },
    async deleteIf(key: string, expected: Uint8Array): Promise<boolean> {
      const current = await store.read(key)
      if (current === undefined) return true
      if (!current.equals(expected)) return false
      noted(key)
      return true
    },
    async delete(key: string): Promise<void> {
      noted(key)
    },
    ...(store.encryptionKey ? {encryptionKey: (key: string) => store.encryptionKey!(key)} : {}),
  }
}
