/**
 * Flags of `kforge backup cluster`: where the etcd member answers and the client certificates it
 * wants (kubeadm's layout by default, so on a control-plane node no flag is needed).
 */
import {join} from 'node:path'
import {Flags} from '@oclif/core'
import type {EtcdTls} from '../lifecycle/etcd-snapshot.js'

export const backupFlags = {
  'etcd-url': Flags.string({
    description: 'client URL of the etcd member to snapshot',
    default: 'https://127.0.0.1:2379',
  }),
  'etcd-cert-dir': Flags.string({
    description: 'kubeadm PKI dir holding etcd/ca.crt and apiserver-etcd-client.{crt,key} (https URLs only)',
    default: '/etc/kubernetes/pki',
  }),
}

/** The client certificates for an https URL; none for http (a loopback test member). */
export async function etcdTls(flags: {
  'etcd-url': string
  'etcd-cert-dir': string
}): Promise<EtcdTls | undefined> {
  if (!flags['etcd-url'].startsWith('https://')) return undefined
  const {readFile} = await import('node:fs/promises')
  const dir = flags['etcd-cert-dir']
  return {
    ca: await readFile(join(dir, 'etcd', 'ca.crt')),
    cert: await readFile(join(dir, 'apiserver-etcd-client.crt')),
    key: await readFile(join(dir, 'apiserver-etcd-client.key')),
  }
}
