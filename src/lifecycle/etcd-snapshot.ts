/**
 * A snapshot of a running etcd over its v3 HTTP gateway: `POST /v3/maintenance/snapshot` streams
 * the bbolt database as newline-delimited JSON messages whose `blob` fields (base64) concatenate
 * to the database followed by its SHA-256 (the same bytes `etcdctl snapshot save` writes). The
 * gateway is served on the client URL, so no gRPC client and no etcdctl binary are needed.
 */
import {createHash} from 'node:crypto'
import {errorMessage, KforgeError} from '../util/errors.js'

export interface EtcdSnapshot {
  /** The database followed by its SHA-256, as etcdctl saves it (etcdutl restores this file). */
  bytes: Buffer
  /** The store revision the member reported just before the snapshot (the snapshot holds at least it). */
  revision: number
}

interface SnapshotMessage {
  result?: {blob?: string; remaining_bytes?: string}
  error?: {message?: string; grpc_code?: number}
}

const SHA256_LENGTH = 32

/** Snapshot the member at `clientUrl` (`http://127.0.0.1:2379`); refuses a stream that does not verify. */
export async function takeSnapshot(
  clientUrl: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 120_000,
): Promise<EtcdSnapshot> {
  const base = clientUrl.replace(/\/+$/, '')
  let res: Response
  let revision: number
  try {
    // The stream's messages carry no revision through the gateway; the status call does.
    const status = await fetchImpl(`${base}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    })
    revision = Number(((await status.json()) as {header?: {revision?: string}}).header?.revision ?? 0)
    res = await fetchImpl(`${base}/v3/maintenance/snapshot`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    throw new KforgeError(`etcd snapshot from ${clientUrl}: ${errorMessage(err)}`, {cause: err})
  }
  const text = await res.text()
  if (!res.ok)
    throw new KforgeError(`etcd snapshot from ${clientUrl}: HTTP ${res.status}: ${text.slice(0, 200)}`)
  const chunks: Buffer[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const message = JSON.parse(line) as SnapshotMessage
    if (message.error) {
      throw new KforgeError(`etcd snapshot from ${clientUrl}: ${message.error.message ?? 'stream error'}`)
    }
    if (message.result?.blob) chunks.push(Buffer.from(message.result.blob, 'base64'))
  }
  const bytes = Buffer.concat(chunks)
  verifySnapshot(bytes, clientUrl)
  return {bytes, revision}
}

/** The stream ends with the SHA-256 of the database before it; a truncated stream fails here. */
export function verifySnapshot(bytes: Buffer, from: string): void {
  if (bytes.length <= SHA256_LENGTH) {
    throw new KforgeError(`etcd snapshot from ${from}: ${bytes.length} bytes is not a database`)
  }
  const db = bytes.subarray(0, bytes.length - SHA256_LENGTH)
  const sum = bytes.subarray(bytes.length - SHA256_LENGTH)
  if (!createHash('sha256').update(db).digest().equals(sum)) {
    throw new KforgeError(
      `etcd snapshot from ${from}: the SHA-256 at its end does not match: truncated or corrupt`,
    )
  }
}
