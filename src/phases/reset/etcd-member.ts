/**
 * reset's remove-etcd-member (kubeadm): a control-plane node with a stacked etcd member leaves the
 * etcd cluster before its data dir is wiped, so the remaining members keep quorum arithmetic
 * right. The last member is never removed. Failures are reported, not fatal: the node is being
 * torn down either way, and the message says how to finish by hand.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {parse} from 'yaml'
import {KubeClient} from '../../kube/client.js'
import {EtcdClient} from '../../kube/etcd-client.js'
import {loadKubeconfig} from '../../kube/kubeconfig.js'
import {Pods} from '../../kube/resources.js'
import type {Logger} from '../../util/logger.js'

export async function localEtcdPeerURL(rootDir: string): Promise<string | undefined> {
  try {
    const pod = parse(await readFile(join(rootDir, 'etc/kubernetes/manifests/etcd.yaml'), 'utf8')) as {
      spec?: {containers?: {command?: string[]}[]}
    }
    const arg = pod.spec?.containers?.[0]?.command?.find((a) =>
      a.startsWith('--initial-advertise-peer-urls='),
    )
    return arg?.slice('--initial-advertise-peer-urls='.length).split(',')[0]
  } catch {
    return undefined
  }
}

export async function removeEtcdMember(
  rootDir: string,
  logger: Logger,
): Promise<'removed' | 'last-member' | 'not-a-member' | 'failed'> {
  const peerURL = await localEtcdPeerURL(rootDir)
  if (!peerURL) return 'not-a-member'
  let client: KubeClient | undefined
  try {
    client = new KubeClient(await loadKubeconfig(join(rootDir, 'etc/kubernetes/admin.conf'), {rootDir}))
    const pods = await client.list(Pods, 'kube-system', {labelSelector: 'component=etcd,tier=control-plane'})
    const endpoints = pods.items
      .map((p) => p.metadata.annotations?.['kubeadm.kubernetes.io/etcd.advertise-client-urls'])
      .filter((u): u is string => Boolean(u))
      .flatMap((u) => u.split(','))
    const pki = join(rootDir, 'etc/kubernetes/pki')
    const etcd = new EtcdClient(endpoints, {
      ca: await readFile(join(pki, 'etcd/ca.crt')),
      cert: await readFile(join(pki, 'apiserver-etcd-client.crt')),
      key: await readFile(join(pki, 'apiserver-etcd-client.key')),
    })
    const members = await etcd.memberList()
    const me = members.find((m) => m.peerURLs?.includes(peerURL))
    if (!me) return 'not-a-member'
    if (members.length === 1) {
      logger.info(`[reset] ${peerURL} is the last etcd member; not removing it`)
      return 'last-member'
    }
    await etcd.memberRemove(me.ID)
    logger.info(`[reset] Removed etcd member ${me.name ?? me.ID} (${peerURL})`)
    return 'removed'
  } catch (err) {
    logger.warn(
      `[reset] Failed to remove the etcd member ${peerURL}: ${(err as Error).message}. Remove it by hand from a remaining member: etcdctl member remove <id>`,
    )
    return 'failed'
  } finally {
    client?.close()
  }
}
