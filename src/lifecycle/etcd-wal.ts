/**
 * Whose etcd data is this: the member id, the cluster id and the cluster's voting members as an
 * etcd data dir records them, read from its write-ahead log (`member/wal/*.wal`) without starting
 * etcd. A replacement control-plane instance finds its member's volume holding data and must know,
 * before anything starts, whether that data is a member of the cluster it is joining (resume it),
 * a member that was removed or of another cluster (set it aside), or the whole cluster on its own
 * (a single member, resumed alone). Neither etcdutl nor etcdctl prints a data dir's member id, and
 * a control-plane instance has no etcd binary outside the etcd image.
 *
 * The WAL is the member's source of truth (the bbolt backend lags it). Its layout, as etcd's
 * server/storage/wal writes it: records framed by a little-endian 64-bit length (the top byte, when
 * its high bit is set, holds the padding to 8 bytes), each a protobuf walpb.Record {type, crc,
 * data}. Every file starts with a metadata record (etcdserverpb.Metadata {NodeID, ClusterID});
 * snapshot records carry the raft ConfState (etcd 3.5 and later); entries carry raft conf changes;
 * state records carry the commit index. The members are the last snapshot's voters and learners
 * with the committed conf changes after it applied. Preallocated files end in zeros, and a torn
 * last record (a crash mid-write) ends the log where etcd itself would truncate it.
 */
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {KforgeError} from '../util/errors.js'

export interface EtcdDataIdentity {
  /** The member this data is (decimal, as etcd's JSON gateway prints ids). */
  memberId: string
  /** The cluster it belongs to (decimal). */
  clusterId: string
  /** The cluster's members as this data last knew them (voters and learners, decimal ids). */
  members: string[]
}

const RECORD = {metadata: 1, entry: 2, state: 3, snapshot: 5} as const
const ENTRY_CONF_CHANGE = 1
const CONF_CHANGE = {add: 0, remove: 1, addLearner: 3} as const

/** Protobuf fields of one message: number -> values (varints as bigint, length-delimited as bytes). */
type Fields = Map<number, Array<bigint | Buffer>>

function varint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n
  let shift = 0n
  for (let i = at; i < buf.length; i++) {
    const b = buf[i]!
    value |= BigInt(b & 0x7f) << shift
    if ((b & 0x80) === 0) return [value, i + 1]
    shift += 7n
  }
  throw new KforgeError('etcd WAL: truncated varint')
}

function fields(buf: Buffer): Fields {
  const out: Fields = new Map()
  let at = 0
  while (at < buf.length) {
    const [key, next] = varint(buf, at)
    at = next
    const field = Number(key >> 3n)
    const wire = Number(key & 7n)
    let value: bigint | Buffer
    if (wire === 0) [value, at] = varint(buf, at)
    else if (wire === 2) {
      const [len, start] = varint(buf, at)
      value = buf.subarray(start, start + Number(len))
      at = start + Number(len)
    } else if (wire === 5) {
      value = BigInt(buf.readUInt32LE(at))
      at += 4
    } else if (wire === 1) {
      value = buf.readBigUInt64LE(at)
      at += 8
    } else throw new KforgeError(`etcd WAL: unexpected protobuf wire type ${wire}`)
    out.set(field, [...(out.get(field) ?? []), value])
  }
  return out
}

const num = (f: Fields, n: number): bigint => {
  const v = f.get(n)?.at(-1)
  return typeof v === 'bigint' ? v : 0n
}
const bytes = (f: Fields, n: number): Buffer | undefined => {
  const v = f.get(n)?.at(-1)
  return Buffer.isBuffer(v) ? v : undefined
}
/** A repeated uint64, packed (proto3) or not (raftpb is proto2). */
const ids = (f: Fields, n: number): bigint[] =>
  (f.get(n) ?? []).flatMap((v) => {
    if (typeof v === 'bigint') return [v]
    const out: bigint[] = []
    for (let at = 0; at < v.length; ) {
      const [x, next] = varint(v, at)
      out.push(x)
      at = next
    }
    return out
  })

/** The walpb.Record payloads of one WAL file, in order: [type, data]. */
function records(file: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = []
  let at = 0
  while (at + 8 <= file.length) {
    const frame = file.readBigUInt64LE(at)
    if (frame === 0n) break // preallocated space: the end of the log
    const length = Number(frame & 0x00ff_ffff_ffff_ffffn)
    const pad = frame >> 63n === 1n ? Number((frame >> 56n) & 7n) : 0
    const start = at + 8
    if (start + length + pad > file.length) break // a torn write at the tail
    const rec = fields(file.subarray(start, start + length))
    out.push([Number(num(rec, 1)), bytes(rec, 3) ?? Buffer.alloc(0)])
    at = start + length + pad
  }
  return out
}

/** The WAL files of a data dir in log order (their names are `<seq>-<index>.wal` in hex). */
async function walFiles(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'member', 'wal')
  const names = await readdir(dir).catch(() => [] as string[])
  return names
    .filter((n) => /^[0-9a-f]{16}-[0-9a-f]{16}\.wal$/.test(n))
    .sort()
    .map((n) => join(dir, n))
}

/**
 * The identity of the member whose data is in `dataDir` (the etcd data dir, holding `member/`).
 * Undefined when there is no WAL there (no member's data).
 */
export async function readEtcdDataIdentity(dataDir: string): Promise<EtcdDataIdentity | undefined> {
  const files = await walFiles(dataDir)
  if (files.length === 0) return undefined
  let memberId: bigint | undefined
  let clusterId = 0n
  let snapshot = {index: 0n, members: new Set<bigint>()}
  let commit = 0n
  /** Conf changes by entry index; a later entry at an index replaces the log from there on. */
  let changes: Array<{index: bigint; type: number; node: bigint}> = []
  for (const file of files) {
    for (const [type, data] of records(await readFile(file))) {
      const f = fields(data)
      if (type === RECORD.metadata) {
        memberId = num(f, 1)
        clusterId = num(f, 2)
      } else if (type === RECORD.state) {
        commit = num(f, 3) > commit ? num(f, 3) : commit
      } else if (type === RECORD.snapshot) {
        const conf = bytes(f, 3)
        const c = conf ? fields(conf) : new Map()
        snapshot = {index: num(f, 1), members: new Set([...ids(c, 1), ...ids(c, 2)])}
      } else if (type === RECORD.entry) {
        const index = num(f, 3)
        changes = changes.filter((c) => c.index < index)
        const body = bytes(f, 4)
        if (Number(num(f, 1)) === ENTRY_CONF_CHANGE && body) {
          const cc = fields(body)
          changes.push({index, type: Number(num(cc, 2)), node: num(cc, 3)})
        }
      }
    }
  }
  if (memberId === undefined)
    throw new KforgeError(`etcd data in ${dataDir}: its WAL has no metadata record (not etcd's WAL?)`)
  const members = new Set(snapshot.members)
  for (const c of changes) {
    if (c.index <= snapshot.index || c.index > commit) continue
    if (c.type === CONF_CHANGE.add || c.type === CONF_CHANGE.addLearner) members.add(c.node)
    else if (c.type === CONF_CHANGE.remove) members.delete(c.node)
  }
  return {
    memberId: memberId.toString(),
    clusterId: clusterId.toString(),
    members: [...members].map(String).sort(),
  }
}

/**
 * The data is the whole cluster: its only member is itself. Such a member has nobody to join
 * through (the API is down with it), so it resumes alone; any other resumes through a live member.
 */
export function isLoneMember(data: EtcdDataIdentity): boolean {
  return data.members.length === 1 && data.members[0] === data.memberId
}
