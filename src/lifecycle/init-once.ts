/**
 * Init once, join ever after. A control-plane boot decides `kforge init` or `kforge join` from a
 * fact in the state store, not from its group's name: the first boot claims the cluster's init
 * record with the store's one conditional write (`createIfAbsent`, the primitive the state-store
 * lock uses), and every other boot (a replacement of the first instance, or a second "first" boot
 * racing it) finds the record and joins. A completed init is recorded in the same object, so the
 * record also says whether the cluster's etcd was ever created.
 */
import type {StateStore} from '../state/types.js'
import {KforgeError} from '../util/errors.js'
import {type RestoreRequest, readRestoreRequest} from './restore-request.js'

export interface InitRecord {
  /** The instance that claimed init (EC2 instance id). */
  holder: string
  /** RFC 3339. */
  claimedAt: string
  /** RFC 3339; absent while init runs (or if its holder died before finishing). */
  completedAt?: string
  /** The holder of a stale claim this one replaced (it was gone before finishing). */
  takenOverFrom?: string
}

export type BootDecision =
  | {action: 'init'; record: InitRecord}
  /** `init`, on etcd data restored first from `restore.backup` (kforge restore cluster asked for it). */
  | {action: 'restore'; record: InitRecord; restore: RestoreRequest}
  | {action: 'join'; record: InitRecord; reason: string}

/**
 * The cluster's init record; a restored cluster's (`generation`: its restore request's token) is
 * another object, so a restore starts a new claim without deleting the lost cluster's record.
 */
export function initRecordKey(cluster: string, generation?: string): string {
  return `${cluster}/control-plane/init${generation === undefined ? '' : `.${generation}`}.json`
}

function parseRecord(key: string, bytes: Buffer): InitRecord {
  let value: unknown
  try {
    value = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new KforgeError(`state store ${key}: not JSON; refusing to guess init or join`)
  }
  const r = value as Partial<InitRecord>
  if (typeof r.holder !== 'string' || typeof r.claimedAt !== 'string') {
    throw new KforgeError(`state store ${key}: expected {holder, claimedAt}; refusing to guess init or join`)
  }
  return {
    holder: r.holder,
    claimedAt: r.claimedAt,
    ...(typeof r.completedAt === 'string' ? {completedAt: r.completedAt} : {}),
    ...(typeof r.takenOverFrom === 'string' ? {takenOverFrom: r.takenOverFrom} : {}),
  }
}

/** The key of the init record that decides now: the latest restore's, or the first init's. */
async function currentRecordKey(
  store: StateStore,
  cluster: string,
): Promise<{key: string; restore?: RestoreRequest}> {
  const restore = await readRestoreRequest(store, cluster)
  return restore === undefined
    ? {key: initRecordKey(cluster)}
    : {key: initRecordKey(cluster, restore.clusterToken), restore}
}

export async function readInitRecord(store: StateStore, cluster: string): Promise<InitRecord | undefined> {
  const {key} = await currentRecordKey(store, cluster)
  const bytes = await store.read(key)
  return bytes === undefined ? undefined : parseRecord(key, bytes)
}

/**
 * Claim init for `holder`, or learn that the cluster is someone else's to join. The holder
 * itself booting again before its init completed (a reboot mid-init, or a create whose response
 * was lost) gets `init` again: kubeadm's init phases are re-runnable on the same machine.
 */
/**
 * A claim younger than this is never taken over: EC2's reads are eventually consistent, and a
 * holder launched moments ago may not be visible yet to another instance's DescribeInstances.
 */
export const STALE_AFTER_MS = 5 * 60_000

export interface ClaimOptions {
  now?: Date
  /**
   * Whether the instance holding an unfinished claim still exists (EC2 knows it, not terminated).
   * A holder that is gone never finishes: its claim is stale, and this boot takes it over. Absent:
   * every holder counts as alive (the claim is never taken over).
   */
  holderAlive?: (holder: string) => Promise<boolean>
}

export async function claimInit(
  store: StateStore,
  cluster: string,
  holder: string,
  options: ClaimOptions | Date = {},
): Promise<BootDecision> {
  const o: ClaimOptions = options instanceof Date ? {now: options} : options
  const now = o.now ?? new Date()
  if (holder.trim() === '') throw new KforgeError('init claim: the holder (instance id) is empty')
  const mine: InitRecord = {holder, claimedAt: now.toISOString()}
  const {key, restore} = await currentRecordKey(store, cluster)
  const won = (record: InitRecord): BootDecision =>
    restore === undefined ? {action: 'init', record} : {action: 'restore', record, restore}
  const result = await store.createIfAbsent(key, `${JSON.stringify(mine)}\n`)
  if (result.created) return won(mine)
  const record = parseRecord(key, result.existing)
  if (record.completedAt !== undefined) {
    return {
      action: 'join',
      record,
      reason: `cluster ${cluster} was ${restore ? `restored from backup ${restore.backup}` : 'initialised'} by ${record.holder} at ${record.completedAt}`,
    }
  }
  if (record.holder === holder) return won(record)
  const age = now.getTime() - Date.parse(record.claimedAt)
  if (o.holderAlive && age >= STALE_AFTER_MS && !(await o.holderAlive(record.holder))) {
    // Stale: its holder is gone before finishing, so no etcd of this claim survives it (etcd
    // lived on the holder's root volume). Take it over, only if it is still that same record: of
    // two boots taking it over at once, one wins, the other finds the new holder and joins.
    const taken: InitRecord = {holder, claimedAt: now.toISOString(), takenOverFrom: record.holder}
    if (await store.replaceIf(key, result.existing, `${JSON.stringify(taken)}\n`)) return won(taken)
    return claimInit(store, cluster, holder, {now})
  }
  return {
    action: 'join',
    record,
    reason: `${record.holder} claimed init of cluster ${cluster} at ${record.claimedAt}`,
  }
}

/** Record that `holder`'s init finished. Only the holder of the claim may. */
export async function recordInitComplete(
  store: StateStore,
  cluster: string,
  holder: string,
  now: Date = new Date(),
): Promise<InitRecord> {
  const record = await readInitRecord(store, cluster)
  if (record === undefined) {
    throw new KforgeError(`cluster ${cluster}: no init claim in the state store to complete`)
  }
  // Complete already: nothing to record (a lone member resumed on a replacement ends its boot here).
  if (record.completedAt !== undefined) return record
  if (record.holder !== holder) {
    throw new KforgeError(
      `cluster ${cluster}: init was claimed by ${record.holder}, not ${holder}; not recording completion`,
    )
  }
  const done: InitRecord = {...record, completedAt: now.toISOString()}
  // A plain write is safe: only the holder reaches here, and the claim already exists.
  await store.write((await currentRecordKey(store, cluster)).key, `${JSON.stringify(done)}\n`)
  return done
}
