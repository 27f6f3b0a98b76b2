/**
 * etcd-resume (kforge; `kforge init --resume` only): the last step of a lone etcd member resuming
 * from its volume on a replacement instance. etcd restarts on data whose member still advertises
 * the old instance's peer URL (a data dir keeps its membership; --initial-cluster is read only
 * when a member starts empty). Nothing talks to that URL while the member is alone, but the next
 * member to join would dial it, so once etcd answers, the member moves itself to this instance's
 * peer URL (`member update`, committed by itself: it is its own quorum).
 */
import {readFile} from 'node:fs/promises'
import {isIP} from 'node:net'
import {join} from 'node:path'
import {EtcdClient} from '../../kube/etcd-client.js'
import {readEtcdDataIdentity} from '../../lifecycle/etcd-wal.js'
import {KforgeError} from '../../util/errors.js'
import type {Logger} from '../../util/logger.js'
import {type MemberApi, reconfigure} from '../join/api/etcd-members.js'
import type {Phase} from '../workflow.js'
import type {InitData} from './data.js'

export const peerUrlOf = (ip: string): string => `https://${isIP(ip) === 6 ? `[${ip}]` : ip}:2380`

/**
 * Move member `id` to `peerURL` unless it is there already. Retried while etcd is still electing
 * itself leader after its restart. Returns whether it moved.
 */
export async function moveOwnPeerURL(
  etcd: Pick<MemberApi, 'memberList' | 'memberUpdate'>,
  id: string,
  peerURL: string,
  log: Logger,
): Promise<boolean> {
  const members = await reconfigure(() => etcd.memberList(), log)
  const me = members.find((m) => m.ID === id)
  if (!me) throw new KforgeError(`etcd-resume: member ${id} is not in the member list etcd answers`)
  if (me.peerURLs?.length === 1 && me.peerURLs[0] === peerURL) return false
  log.info(
    `[etcd-resume] etcd member ${me.name || id} moves its peer URL ${me.peerURLs?.join(',')} -> ${peerURL}`,
  )
  await reconfigure(() => etcd.memberUpdate(id, [peerURL]), log)
  return true
}

export const etcdResumePhase: Phase<InitData> = {
  name: 'etcd-resume',
  short: 'Move a resumed lone etcd member to this instance peer URL (init --resume)',
  runIf: async (d) => d.resume === true && d.cluster.etcd.local !== undefined,
  run: async (d, ctx) => {
    const local = d.cluster.etcd.local!
    const peerURL = peerUrlOf(d.init.localAPIEndpoint.advertiseAddress)
    if (ctx.dryRun) return ctx.logger.info(`[etcd-resume] dry run: would move this member to ${peerURL}`)
    const data = await readEtcdDataIdentity(join(d.rootDir, local.dataDir))
    if (!data) throw new KforgeError(`etcd-resume: no etcd data in ${local.dataDir} to resume`)
    const pki = join(d.rootDir, d.cluster.certificatesDir)
    const etcd = new EtcdClient(['https://127.0.0.1:2379'], {
      ca: await readFile(join(pki, 'etcd/ca.crt')),
      cert: await readFile(join(pki, 'apiserver-etcd-client.crt')),
      key: await readFile(join(pki, 'apiserver-etcd-client.key')),
    })
    const moved = await moveOwnPeerURL(etcd, data.memberId, peerURL, ctx.logger)
    if (!moved) ctx.logger.info(`[etcd-resume] etcd member ${data.memberId} is at ${peerURL} already`)
  },
}
