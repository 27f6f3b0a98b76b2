/**
 * The state store's contract, apart from how a store is opened (store.ts), so the backends
 * (local.ts, s3.ts) depend on it and not on the module that picks between them.
 */
import {KforgeError} from '../util/errors.js'

export interface WriteOptions {
  /** Private keys, tokens, anything a third party must not read. */
  secret?: boolean
  /**
   * The KMS key (ARN) a secret is encrypted under at rest (S3 SSE-KMS); without it S3 uses the
   * account's `aws/s3` key, which anyone allowed s3:GetObject can decrypt through. Local: ignored.
   */
  kmsKeyId?: string
}

/** What `createIfAbsent` found: it made the object, or one was there (its bytes as they are). */
export type CreateResult = {created: true} | {created: false; existing: Buffer}

export interface StateStore {
  /** Where this store points, as the user would write it (`/home/u/.kforge/state`, `s3://b/p`). */
  readonly location: string
  /** The object's bytes, or undefined when it does not exist. */
  read(key: string): Promise<Buffer | undefined>
  write(key: string, body: string | Uint8Array, options?: WriteOptions): Promise<void>
  /**
   * The store's one conditional write: create the object only if none exists (S3 If-None-Match,
   * an exclusive link locally). Of any number of concurrent callers exactly one gets `created`;
   * the others get the winner's bytes. Lock leases and the control plane's init-once decision are
   * built on it. A caller whose own create succeeded but whose response was lost sees
   * `created: false` with its own bytes, so it compares content, not the flag, to know it won.
   */
  createIfAbsent(key: string, body: string | Uint8Array, options?: WriteOptions): Promise<CreateResult>
  /**
   * Compare-and-swap: replace the object only while it still holds exactly `expected` (S3
   * If-Match on the ETag read with those bytes; locally under an exclusive lock file). False when
   * it changed or went away meanwhile. A caller whose replace landed but whose answer was lost
   * still gets true (the store then holds its bytes).
   */
  replaceIf(
    key: string,
    expected: Uint8Array,
    body: string | Uint8Array,
    options?: WriteOptions,
  ): Promise<boolean>
  /** Remove the object only while it still holds exactly `expected`; true when it is gone. */
  deleteIf(key: string, expected: Uint8Array): Promise<boolean>
  /**
   * The KMS key an object is encrypted under at rest, '' for none or the service default, or
   * undefined when it does not exist. Only stores that encrypt at rest (S3) have it.
   */
  encryptionKey?(key: string): Promise<string | undefined>
  /**
   * Whether the storage under the store is kept as a vault should be (S3: public access blocked,
   * default encryption, versioning), and with `secure` made so first. Only S3 has it.
   */
  posture?(secure: boolean): Promise<{problems: string[]; changed: string[]}>
  /** Keys under `prefix` (recursive), sorted. */
  list(prefix: string): Promise<string[]>
  /** Removes one key; a missing key is not an error. */
  delete(key: string): Promise<void>
}

/** Reject keys that could escape the store (`..`, absolute paths) before any backend sees them. */
export function checkKey(key: string): string {
  const parts = key.split('/')
  if (key === '' || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new KforgeError(`state store key "${key}" is not a relative path of plain names`)
  }
  return key
}
