/**
 * etcd-join (join --control-plane, stacked etcd): add this node as a member through the existing
 * members' client endpoints (from the etcd mirror pods' kubeadm.kubernetes.io/etcd.advertise-client-urls
 * annotation, as kubeadm finds them) — after removing the members of instances that are gone, or
 * moving or replacing this node's own earlier member (etcd-members.ts) — then write the etcd static pod with the full
 * --initial-cluster and --initial-cluster-state=existing, and wait until the member has started.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {isIP} from 'node:net'
import {join} from 'node:path'
import {EtcdClient, type EtcdMember} from '../../../kube/etcd-client.js'
import {Nodes, Pods} from '../../../kube/resources.js'
import {poll} from '../../../kube/wait.js'
import {etcdPod} from '../../../kubeadm/static-pods/etcd.js'
import {serializePod} from '../../../kubeadm/static-pods/pod.js'
import {setAsideEtcdData} from '../../../lifecycle/etcd-volume.js'
import {readEtcdDataIdentity} from '../../../lifecycle/etcd-wal.js'
import {writeFileAtomic} from '../../../pki/files.js'
import {KforgeError} from '../../../util/errors.js'
import {etcdMemberName} from '../../etcd-volume.js'
import {clientFor, pollInterval} from '../../init/api/context.js'
import type {Phase} from '../../workflow.js'
import type {JoinData} from '../data.js'
import {controlPlaneInitData} from './cluster-config.js'
import {joinMembership} from './etcd-members.js'

const url = (ip: string, port: number) => `https://${isIP(ip) === 6 ? `[${ip}]` : ip}:${port}`

export const etcdJoinPhase: Phase<JoinData> = {
  name: 'etcd-join',
  short: 'Join etcd for control plane nodes',
  runIf: async (d) => d.config.controlPlane !== undefined,
  run: async (d, ctx) => {
    const init = await controlPlaneInitData(d, ctx.dryRun)
    const local = init.cluster.etcd.local
    if (!local) {
      ctx.logger.info('[etcd-join] external etcd: nothing to join')
      return
    }
    const name = etcdMemberName(d.etcdVolumeMounted, init.init.nodeRegistration.name)
    const advertise = init.init.localAPIEndpoint.advertiseAddress
    const peerURL = url(advertise, 2380)
    if (ctx.dryRun)
      return ctx.logger.info(
        `[etcd-join] dry run: would add member ${name} (${peerURL}) and write the etcd manifest`,
      )
    const admin = await clientFor(d, 'admin.conf')
    const pods = await admin.list(Pods, 'kube-system', {labelSelector: 'component=etcd,tier=control-plane'})
    const endpoints = pods.items
      .map((p) => p.metadata.annotations?.['kubeadm.kubernetes.io/etcd.advertise-client-urls'])
      .filter((u): u is string => Boolean(u))
      .flatMap((u) => u.split(','))
    if (endpoints.length === 0)
      throw new KforgeError(
        'etcd-join: no etcd pods with kubeadm.kubernetes.io/etcd.advertise-client-urls found in kube-system; is the cluster using stacked etcd?',
      )
    const pki = join(d.rootDir, init.cluster.certificatesDir)
    const etcd = new EtcdClient(endpoints, {
      ca: await readFile(join(pki, 'etcd/ca.crt')),
      cert: await readFile(join(pki, 'apiserver-etcd-client.crt')),
      key: await readFile(join(pki, 'apiserver-etcd-client.key')),
    })
    const nodes = new Set(
      (await admin.list(Nodes)).items.flatMap((n) => [
        n.metadata.name!,
        ...(n.status?.addresses ?? []).map((a) => a.address),
      ]),
    )
    const data = await readEtcdDataIdentity(join(d.rootDir, local.dataDir))
    const setAside = async (reason: string) => {
      ctx.logger.warn(`[etcd-join] the etcd data in ${local.dataDir} is not resumed: ${reason}`)
      await setAsideEtcdData(d.rootDir, local.dataDir, ctx.logger)
    }
    // A member/ without a write-ahead log is no member etcd could restart: out of a new member's way.
    if (!data && existsSync(join(d.rootDir, local.dataDir, 'member')))
      await setAside('it has no write-ahead log (member/wal)')
    ctx.logger.info(`[etcd-join] Joining etcd as ${name} (${peerURL}) via ${endpoints.join(', ')}`)
    const me = {name, peerURL, data, setAside}
    const {action, members, resumed} = await joinMembership(etcd, me, nodes, ctx.logger)
    if (action === 'member') ctx.logger.info(`[etcd-join] ${peerURL} is already a member`)
    // The resumed member's name in the list is its earlier one until etcd publishes this one.
    const nameOf = (m: EtcdMember) => (m.ID === resumed || m.peerURLs?.includes(peerURL) ? name : m.name)
    const initialCluster = members
      .map((m) => `${nameOf(m) ?? ''}=${m.peerURLs?.[0] ?? ''}`)
      .filter((s) => !s.startsWith('='))
      .join(',')
    const pod = etcdPod({
      cluster: init.cluster,
      local,
      initialCluster,
      memberName: name,
      advertiseAddress: advertise,
      imagePullPolicy: init.init.nodeRegistration.imagePullPolicy,
    })
    await writeFileAtomic(join(d.rootDir, 'etc/kubernetes/manifests/etcd.yaml'), serializePod(pod), 0o600)
    ctx.logger.info(`[etcd-join] Wrote the etcd static pod manifest (initial cluster ${initialCluster})`)
    await poll(
      async () =>
        (await etcd.memberList()).some((m) => m.name === name && m.peerURLs?.includes(peerURL))
          ? true
          : undefined,
      {
        intervalMs: pollInterval(d, 1000),
        timeoutMs: d.config.timeouts.etcdAPICall,
        what: `etcd member ${name} to start`,
      },
    )
    ctx.logger.info(`[etcd-join] etcd member ${name} is running`)
  },
}
