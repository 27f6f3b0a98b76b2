/**
 * What a joining control-plane node does with etcd's member list before it starts its member.
 * kubeadm adds a member and stops there; on AWS, instances are replaced, and a replaced instance
 * leaves things behind that kubeadm's flow would trip over:
 *  - a member of this node's own name on another peer URL: this node's earlier incarnation. With
 *    data on the local data dir (its etcd volume survived) the member resumes: its peer URL is
 *    moved to this address (`member update`). Without data (the volume was lost) the old member is
 *    removed and a new one added: etcd cannot take an empty data dir for an existing member id.
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
import type {Logger} from '../../../util/logger.js'

/** The etcd calls membership needs (EtcdClient). */
export interface MemberApi {
  memberList(): Promise<EtcdMember[]>
  memberAdd(peerURL: string): Promise<{member: EtcdMember; members: EtcdMember[]}>
  memberRemove(id: string): Promise<EtcdMember[]>
  memberUpdate(id: string, peerURLs: string[]): Promise<EtcdMember[]>
  answers(clientURL: string): Promise<boolean>
}

export interface Me {
  name: string
  peerURL: string
  /** The local data dir holds a member (`member/` exists): resume it rather than start empty. */
  hasData: boolean
}

export type MembershipAction =
  /** Already a member at this peer URL. */
  | 'member'
  /** Same name on another peer URL, local data kept: peer URL updated. */
  | 'updated'
  /** Same name, no local data: the old member removed, a new one added. */
  | 'replaced'
  | 'added'

export interface Membership {
  action: MembershipAction
  /** Members removed because their instance is gone (name and peer URL). */
  removed: string[]
  members: EtcdMember[]
}

/**
 * Bring the member list to one this node can start into. `nodes`: the names of the cluster's
 * Nodes (a member whose Node is still registered is never judged gone).
 */
export async function joinMembership(
  etcd: MemberApi,
  me: Me,
  nodes: ReadonlySet<string>,
  log: Logger,
): Promise<Membership> {
  let members = await etcd.memberList()
  const removed: string[] = []
  for (const m of members) {
    if (!m.name || m.name === me.name || m.peerURLs?.includes(me.peerURL) || nodes.has(m.name)) continue
    const urls = m.clientURLs ?? []
    let alive = false
    for (const u of urls) if (await etcd.answers(u)) alive = true
    if (alive || urls.length === 0) continue
    log.info(
      `[etcd-join] Removing etcd member ${m.name} (${m.peerURLs?.join(',')}): no Node of that name and ${urls.join(',')} does not answer; its instance is gone`,
    )
    members = await reconfigure(() => etcd.memberRemove(m.ID), log)
    removed.push(`${m.name} (${m.peerURLs?.join(',')})`)
  }
  if (members.some((m) => m.peerURLs?.includes(me.peerURL))) return {action: 'member', removed, members}
  const old = members.find((m) => m.name === me.name)
  if (old && me.hasData) {
    log.info(
      `[etcd-join] etcd member ${me.name} resumes from its data: peer URL ${old.peerURLs?.join(',')} -> ${me.peerURL}`,
    )
    members = await reconfigure(() => etcd.memberUpdate(old.ID, [me.peerURL]), log)
    return {action: 'updated', removed, members: withPeer(members, old.ID, me.peerURL)}
  }
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
 * etcd's strict reconfig check counts a member as started only once it has been connected for a
 * few seconds, and refuses a change meanwhile ("not enough started members", "unhealthy
 * cluster"): right after a removal, or a member that has just come up. Those clear by waiting.
 */
async function reconfigure<T>(change: () => Promise<T>, log: Logger, timeoutMs = 60_000): Promise<T> {
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
