/**
 * The state store: where cluster specs, PKI and encrypted assets live. One interface, two
 * backends: a local directory (default `~/.kforge/state`) and S3 (`s3://bucket/prefix`).
 *
 * Keys are `/`-separated relative paths (`demo.example.com/config.yaml`). Writes are atomic:
 * a reader sees the old object or the new one, never a torn write. Objects written with
 * `secret: true` are private to the owner (0600 locally; SSE-KMS on S3, under the cluster's own
 * key once it exists, so reading one takes kms:Decrypt on that key as well as s3:GetObject).
 */
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {AwsOptions} from '../cloud/aws/clients.js'
import {KforgeError} from '../util/errors.js'

import type {StateStore} from './types.js'

export type {CreateResult, StateStore, WriteOptions} from './types.js'
export {checkKey} from './types.js'

export const DEFAULT_STATE_DIR = join(homedir(), '.kforge', 'state')

/**
 * Open the store at `location` (`--state`, which the CLI fills from KFORGE_STATE_STORE), default
 * `~/.kforge/state`.
 * Backends are imported on demand so the S3 SDK only loads for s3:// stores.
 */
export async function openStateStore(location?: string, aws: AwsOptions = {}): Promise<StateStore> {
  const where = location ?? DEFAULT_STATE_DIR
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
