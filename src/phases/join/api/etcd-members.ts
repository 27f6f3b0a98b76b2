/**
 * What a joining control-plane node does with etcd's member list before it starts its member.
 * kubeadm adds a member and stops there; on AWS, instances are replaced, and a replaced instance
 * leaves things behind that kubeadm's flow would trip over:
 *  - this member's earlier incarnation, on another peer URL. When the local data dir holds a
 *    member's data (its etcd volume survived) and that member (by id, read from the data) is still
 *    in this cluster (by cluster id), it resumes: its peer URL is moved to this address (`member
 *    update`) and etcd starts on the data. Data of a member that was removed, or of another cluster
 *    (the one before a restore), is set aside and this node joins as a new member. A member of
 *    this node's name without data here (the volume was lost) is removed and a new one added: etcd
 *    cannot take an empty data dir for an existing member id.
 *  - started members whose instance is gone (terminated without leaving: a rolling update, an
 *    auto-scaling health replacement): no Node of their name exists any more and their client URL
 *    does not answer. They count towards the quorum while never voting, and etcd's strict reconfig
 *    check refuses to add a member while too few are started (3 members with one gone: adding a
 *    fourth needs 3 started), so they are removed first.
 * Members that were added but never started (no name yet) are left alone: another node may be
 * joining right now, between its `member add` and its first start.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import type {EtcdMember} from '../../../kube/etcd-client.js'
import type {EtcdDataIdentity} from '../../../lifecycle/etcd-wal.js'
import type {Logger} from '../../../util/logger.js'

/** The etcd calls membership needs (EtcdClient). */
export interface MemberApi {
  memberList(): Promise<EtcdMember[]>
  /** The id of the cluster the endpoints belong to (decimal). */
  clusterId(): Promise<string>
  memberAdd(peerURL: string): Promise<{member: EtcdMember; members: EtcdMember[]}>
  memberRemove(id: string): Promise<EtcdMember[]>
  memberUpdate(id: string, peerURLs: string[]): Promise<EtcdMember[]>
  answers(clientURL: string): Promise<boolean>
}

export interface Me {
  name: string
  peerURL: string
  /** Whose data the local data dir holds (etcd-wal.ts); undefined: none. */
  data: EtcdDataIdentity | undefined
  /** Move the local data out of etcd's way (setAsideEtcdData): it is not a member of this cluster. */
  setAside(reason: string): Promise<void>
}

export type MembershipAction =
  /** Already a member at this peer URL. */
  | 'member'
  /** The local data's member, on another peer URL: peer URL updated, the data kept. */
  | 'updated'
  /** Same name, no local data: the old member removed, a new one added. */
  | 'replaced'
  | 'added'

export interface Membership {
  action: MembershipAction
  /** Members removed because their instance is gone (name and peer URL). */
  removed: string[]
  members: EtcdMember[]
  /** The local data's member resumes (`member`, `updated`): its id. */
  resumed?: string
}

/**
 * Bring the member list to one this node can start into. `nodes`: the names and addresses of the
 * cluster's Nodes (a member whose Node is still registered, by name or by its peer URL's host, is
 * never judged gone).
 */
export async function joinMembership(
  etcd: MemberApi,
  me: Me,
  nodes: ReadonlySet<string>,
  log: Logger,
): Promise<Membership> {
  let members = await etcd.memberList()
  const mine = await resumable(etcd, me, members)
  const removed: string[] = []
  for (const m of members) {
    if (!m.name || m.ID === mine?.ID || m.peerURLs?.includes(me.peerURL)) continue
    if (m.name === me.name || nodes.has(m.name) || m.peerURLs?.some((u) => nodes.has(hostOf(u)))) continue
    const urls = m.clientURLs ?? []
    let alive = false
    for (const u of urls) if (await etcd.answers(u)) alive = true
    if (alive || urls.length === 0) continue
    log.info(
      `[etcd-join] Removing etcd member ${m.name} (${m.peerURLs?.join(',')}): no Node of that name or address and ${urls.join(',')} does not answer; its instance is gone`,
    )
    members = await reconfigure(() => etcd.memberRemove(m.ID), log)
    removed.push(`${m.name} (${m.peerURLs?.join(',')})`)
  }
  if (mine?.peerURLs?.includes(me.peerURL)) return {action: 'member', removed, members, resumed: mine.ID}
  if (members.some((m) => m.peerURLs?.includes(me.peerURL))) return {action: 'member', removed, members}
  if (mine) {
    log.info(
      `[etcd-join] etcd member ${mine.name || me.name} (${mine.ID}) resumes from its data as ${me.name}: peer URL ${mine.peerURLs?.join(',')} -> ${me.peerURL}`,
    )
    members = await reconfigure(() => etcd.memberUpdate(mine.ID, [me.peerURL]), log)
    return {action: 'updated', removed, members: withPeer(members, mine.ID, me.peerURL), resumed: mine.ID}
  }
  const old = members.find((m) => m.name === me.name)
  if (old) {
    log.info(
      `[etcd-join] etcd member ${me.name} (${old.peerURLs?.join(',')}) has no data here (its volume was lost): removing it and adding it again`,
    )
    await reconfigure(() => etcd.memberRemove(old.ID), log)
  }
  members = (await reconfigure(() => etcd.memberAdd(me.peerURL), log)).members
  return {action: old ? 'replaced' : 'added', removed, members}
}

/**
 * The member the local data is, when it is a member of this cluster; otherwise the data is set
 * aside (a removed member's data would make etcd exit, another cluster's would split this one).
 */
async function resumable(etcd: MemberApi, me: Me, members: EtcdMember[]): Promise<EtcdMember | undefined> {
  const data = me.data
  if (!data) return undefined
  const cluster = await etcd.clusterId()
  const member = members.find((m) => m.ID === data.memberId)
  if (data.clusterId === cluster && member) return member
  await me.setAside(
    data.clusterId === cluster
      ? `it is the data of member ${data.memberId}, which is no longer a member of the cluster`
      : `it is the data of cluster ${data.clusterId}, not of this cluster (${cluster})`,
  )
  return undefined
}

/** The host of a URL (an IPv6 address without its brackets). */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return ''
  }
}

/**
 * etcd's strict reconfig check counts a member as started only once it has been connected for a
 * few seconds, and refuses a change meanwhile ("not enough started members", "unhealthy
 * cluster"): right after a removal, or a member that has just come up. Those clear by waiting.
 */
export async function reconfigure<T>(change: () => Promise<T>, log: Logger, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await change()
    } catch (err) {
      const message = (err as Error).message
      if (!/not enough started members|unhealthy cluster|HTTP 503/.test(message) || Date.now() > deadline)
        throw err
      log.info(`[etcd-join] etcd is not ready for a membership change yet (${message}); retrying`)
      await sleep(1000)
    }
  }
}

/** etcd's update answer may still show the old URL on some releases; the list says what was set. */
function withPeer(members: EtcdMember[], id: string, peerURL: string): EtcdMember[] {
  return members.map((m) => (m.ID === id ? {...m, peerURLs: [peerURL]} : m))
}
