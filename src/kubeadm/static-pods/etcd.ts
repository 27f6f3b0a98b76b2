/**
 * The local (stacked) etcd static pod, as kubeadm writes it (cmd/kubeadm/app/phases/etcd): one
 * member named after the node (kforge: after its etcd volume's member, where it has one), client TLS on 2379, peers on 2380, metrics on plain HTTP 127.0.0.1:2381.
 */
import {isIP} from 'node:net'
import {posix} from 'node:path'
import {etcdVersionFor} from '../../api/versions.js'
import {args, argsToCommand} from '../args.js'
import type {ClusterConfiguration, LocalEtcd} from '../types.js'
import {type Pod, probes, staticPod} from './pod.js'

export interface EtcdInput {
  cluster: ClusterConfiguration
  local: LocalEtcd
  /**
   * The member's name (kubeadm: the node name). kforge names a member after its etcd volume's
   * member where it has one, so a replacement instance resumes under the same name.
   */
  memberName: string
  advertiseAddress: string
  imagePullPolicy: string
  /**
   * A member joining an existing cluster: every member as `name=peerURL`, this one included. Like
   * kubeadm, these are defaults (with `--initial-cluster-state=existing`) that extraArgs can override.
   */
  initialCluster?: string
}

const url = (ip: string, port: number) => `https://${isIP(ip) === 6 ? `[${ip}]` : ip}:${port}`

export function etcdPod(input: EtcdInput): Pod {
  const {cluster: c, local, memberName, advertiseAddress} = input
  const pki = (f: string) => posix.join(c.certificatesDir, 'etcd', f)
  const base = args({
    'advertise-client-urls': url(advertiseAddress, 2379),
    'cert-file': pki('server.crt'),
    'client-cert-auth': 'true',
    'data-dir': local.dataDir,
    // etcd 3.7 removed the experimental-* spellings of these two (kubeadm v1.37 writes these)
    'feature-gates': 'InitialCorruptCheck=true',
    'initial-advertise-peer-urls': url(advertiseAddress, 2380),
    'initial-cluster': input.initialCluster ?? `${memberName}=${url(advertiseAddress, 2380)}`,
    ...(input.initialCluster === undefined ? {} : {'initial-cluster-state': 'existing'}),
    'key-file': pki('server.key'),
    'listen-client-urls': `${url('127.0.0.1', 2379)},${url(advertiseAddress, 2379)}`,
    'listen-metrics-urls': 'http://127.0.0.1:2381',
    'listen-peer-urls': url(advertiseAddress, 2380),
    name: memberName,
    'peer-cert-file': pki('peer.crt'),
    'peer-client-cert-auth': 'true',
    'peer-key-file': pki('peer.key'),
    'peer-trusted-ca-file': pki('ca.crt'),
    'snapshot-count': '10000',
    'watch-progress-notify-interval': '5s',
    'trusted-ca-file': pki('ca.crt'),
  })
  const repo = local.imageRepository ?? c.imageRepository
  const tag = local.imageTag ?? etcdVersionFor(c.kubernetesVersion)
  return staticPod({
    name: 'etcd',
    image: `${repo}/etcd:${tag}`,
    imagePullPolicy: input.imagePullPolicy,
    command: ['etcd', ...argsToCommand(base, local.extraArgs)],
    mounts: [
      {
        name: 'etcd-certs',
        hostPath: posix.join(c.certificatesDir, 'etcd'),
        mountPath: posix.join(c.certificatesDir, 'etcd'),
        readOnly: false,
        type: 'DirectoryOrCreate',
      },
      {
        name: 'etcd-data',
        hostPath: local.dataDir,
        mountPath: local.dataDir,
        readOnly: false,
        type: 'DirectoryOrCreate',
      },
    ],
    cpu: '100m',
    memory: '100Mi',
    probes: probes(
      {host: '127.0.0.1', port: 2381, scheme: 'HTTP'},
      {live: '/livez', ready: '/readyz', startup: '/readyz'},
    ),
    env: local.extraEnvs,
    annotations: {'kubeadm.kubernetes.io/etcd.advertise-client-urls': url(advertiseAddress, 2379)},
  })
}
