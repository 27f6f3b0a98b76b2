/**
 * A snapshot of a running etcd over its v3 HTTP gateway: `POST /v3/maintenance/snapshot` streams
 * the bbolt database as newline-delimited JSON messages whose `blob` fields (base64) concatenate
 * to the database followed by its SHA-256 (the same bytes `etcdctl snapshot save` writes). The
 * gateway is served on the client URL, so no gRPC client and no etcdctl binary are needed.
 */
import {createHash} from 'node:crypto'
import type {EtcdTls} from '../kube/etcd-client.js'
import {errorMessage, KforgeError} from '../util/errors.js'

export type {EtcdTls}

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

/** POST `body` to `url` and return the whole answer; node:https, so client certificates work. */
async function post(
  url: string,
  tls: EtcdTls | undefined,
  timeoutMs: number,
): Promise<{status: number; text: string}> {
  const u = new URL(url)
  const mod = u.protocol === 'https:' ? await import('node:https') : await import('node:http')
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {method: 'POST', timeout: timeoutMs, ...(u.protocol === 'https:' && tls ? tls : {})},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')}),
        )
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end('{}')
  })
}

/** Snapshot the member at `clientUrl` (`https://127.0.0.1:2379`); refuses a stream that does not verify. */
export async function takeSnapshot(
  clientUrl: string,
  options: {tls?: EtcdTls; timeoutMs?: number} = {},
): Promise<EtcdSnapshot> {
  const base = clientUrl.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 120_000
  let status: {status: number; text: string}
  let res: {status: number; text: string}
  try {
    // The stream's messages carry no revision through the gateway; the status call does.
    status = await post(`${base}/v3/maintenance/status`, options.tls, timeoutMs)
    res = await post(`${base}/v3/maintenance/snapshot`, options.tls, timeoutMs)
  } catch (err) {
    throw new KforgeError(`etcd snapshot from ${clientUrl}: ${errorMessage(err)}`, {cause: err})
  }
  for (const r of [status, res]) {
    if (r.status !== 200) {
      throw new KforgeError(`etcd snapshot from ${clientUrl}: HTTP ${r.status}: ${r.text.slice(0, 200)}`)
    }
  }
  const revision = Number((JSON.parse(status.text) as {header?: {revision?: string}}).header?.revision ?? 0)
  const chunks: Buffer[] = []
  for (const line of res.text.split('\n')) {
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

/** Whether the member at `clientUrl` is the leader (its `/v3/maintenance/status`: leader == member_id). */
export async function isLeader(
  clientUrl: string,
  options: {tls?: EtcdTls; timeoutMs?: number} = {},
): Promise<boolean> {
  const base = clientUrl.replace(/\/+$/, '')
  let r: {status: number; text: string}
  try {
    r = await post(`${base}/v3/maintenance/status`, options.tls, options.timeoutMs ?? 10_000)
  } catch (err) {
    throw new KforgeError(`etcd status from ${clientUrl}: ${errorMessage(err)}`, {cause: err})
  }
  if (r.status !== 200)
    throw new KforgeError(`etcd status from ${clientUrl}: HTTP ${r.status}: ${r.text.slice(0, 200)}`)
  const status = JSON.parse(r.text) as {header?: {member_id?: string}; leader?: string}
  return status.leader !== undefined && status.leader === status.header?.member_id
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
