/**
 * The state store: where cluster specs, PKI and encrypted assets live. One interface, two
 * backends: a local directory (default `~/.kforge/state`) and S3 (`s3://bucket/prefix`).
 *
 * Keys are `/`-separated relative paths (`demo.example.com/config.yaml`). Writes are atomic:
 * a reader sees the old object or the new one, never a torn write. Objects written with
 * `secret: true` are private to the owner (0600 locally; SSE on S3).
 */
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {AwsOptions} from '../cloud/aws/clients.js'
import {KforgeError} from '../util/errors.js'

export interface WriteOptions {
  /** Private keys, tokens, anything a third party must not read. */
  secret?: boolean
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
  /** Keys under `prefix` (recursive), sorted. */
  list(prefix: string): Promise<string[]>
  /** Removes one key; a missing key is not an error. */
  delete(key: string): Promise<void>
}

export const DEFAULT_STATE_DIR = join(homedir(), '.kforge', 'state')

/** Reject keys that could escape the store (`..`, absolute paths) before any backend sees them. */
export function checkKey(key: string): string {
  const parts = key.split('/')
  if (key === '' || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new KforgeError(`state store key "${key}" is not a relative path of plain names`)
  }
  return key
}

/**
 * Open the store named by `--state` / `KFORGE_STATE_STORE`, default `~/.kforge/state`.
 * Backends are imported on demand so the S3 SDK only loads for s3:// stores.
 */
export async function openStateStore(location?: string, aws: AwsOptions = {}): Promise<StateStore> {
  const where = location ?? process.env.KFORGE_STATE_STORE ?? DEFAULT_STATE_DIR
  if (where.startsWith('s3://')) {
    const {S3StateStore} = await import('./s3.js')
    return S3StateStore.fromUrl(where, aws)
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where) && !where.startsWith('file://')) {
    throw new KforgeError(`--state "${where}": expected a directory, file://dir or s3://bucket/prefix`)
  }
  const {LocalStateStore} = await import('./local.js')
  return new LocalStateStore(where.startsWith('file://') ? where.slice('file://'.length) : where)
}
