/**
 * kube-apiserver, kube-controller-manager and kube-scheduler static pods as kubeadm writes them
 * (cmd/kubeadm/app/phases/controlplane), plus kforge's choices: `--cloud-provider=external` on the
 * controller manager (the AWS cloud-controller-manager owns cloud work; current kube-apiservers
 * have no such flag), overridable like every default through extraArgs.
 */
import {isIP} from 'node:net'
import {dirname, posix} from 'node:path'
import {args, argsToCommand, lastArg, mergeArgWithBase} from '../args.js'
import type {ClusterConfiguration, InitConfiguration} from '../types.js'
import {caCertMounts, type Mount, type Pod, probes, staticPod, withExtraVolumes} from './pod.js'

export const KUBERNETES_DIR = '/etc/kubernetes'

export interface ControlPlaneInput {
  cluster: ClusterConfiguration
  endpoint: InitConfiguration['localAPIEndpoint']
  imagePullPolicy: string
  /** ca.key is absent: the controller manager cannot sign certificates. */
  externalCA: boolean
}

const pki = (c: ClusterConfiguration, file: string) => posix.join(c.certificatesDir, file)
const image = (c: ClusterConfiguration, name: string) => `${c.imageRepository}/${name}:${c.kubernetesVersion}`

function etcdArgs(c: ClusterConfiguration): Record<string, string> {
  if (c.etcd.external) {
    const e = c.etcd.external
    return {
      'etcd-servers': e.endpoints.join(','),
      ...(e.caFile ? {'etcd-cafile': e.caFile} : {}),
      ...(e.certFile ? {'etcd-certfile': e.certFile} : {}),
      ...(e.keyFile ? {'etcd-keyfile': e.keyFile} : {}),
    }
  }
  // kubeadm points the API server at what the local etcd advertises when the user set it, merged
  // by the same rule as any argument (replace, or a v1 append/prepend onto the loopback URL).
  const advertised = lastArg(c.etcd.local.extraArgs, 'advertise-client-urls')
  const loopback = 'https://127.0.0.1:2379'
  return {
    'etcd-cafile': pki(c, 'etcd/ca.crt'),
    'etcd-certfile': pki(c, 'apiserver-etcd-client.crt'),
    'etcd-keyfile': pki(c, 'apiserver-etcd-client.key'),
    'etcd-servers': advertised ? mergeArgWithBase(loopback, advertised) : loopback,
  }
}

/** External etcd files outside the certificates dir get their own read-only mounts. */
function externalEtcdMounts(c: ClusterConfiguration): Mount[] {
  const e = c.etcd.external
  if (!e) return []
  const dirs = [...new Set([e.caFile, e.certFile, e.keyFile].filter(Boolean).map((f) => dirname(f)))]
  return dirs
    .filter((d) => d !== c.certificatesDir && !d.startsWith(`${c.certificatesDir}/`))
    .map((d, i) => ({
      name: `etcd-certs-${i}`,
      hostPath: d,
      mountPath: d,
      readOnly: true,
      type: 'DirectoryOrCreate',
    }))
}

export function apiServerPod(input: ControlPlaneInput): Pod {
  const {cluster: c, endpoint} = input
  const base = args({
    'advertise-address': endpoint.advertiseAddress,
    'allow-privileged': 'true',
    'authorization-mode': 'Node,RBAC',
    'client-ca-file': pki(c, 'ca.crt'),
    'enable-admission-plugins': 'NodeRestriction',
    'enable-bootstrap-token-auth': 'true',
    ...etcdArgs(c),
    'kubelet-client-certificate': pki(c, 'apiserver-kubelet-client.crt'),
    'kubelet-client-key': pki(c, 'apiserver-kubelet-client.key'),
    'kubelet-preferred-address-types': 'InternalIP,ExternalIP,Hostname',
    'proxy-client-cert-file': pki(c, 'front-proxy-client.crt'),
    'proxy-client-key-file': pki(c, 'front-proxy-client.key'),
    'requestheader-allowed-names': 'front-proxy-client',
    'requestheader-client-ca-file': pki(c, 'front-proxy-ca.crt'),
    'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
    'requestheader-group-headers': 'X-Remote-Group',
    'requestheader-username-headers': 'X-Remote-User',
    'secure-port': String(endpoint.bindPort),
    'service-account-issuer': `https://kubernetes.default.svc.${c.networking.dnsDomain}`,
    'service-account-key-file': pki(c, 'sa.pub'),
    'service-account-signing-key-file': pki(c, 'sa.key'),
    'service-cluster-ip-range': c.networking.serviceSubnet,
    'tls-cert-file': pki(c, 'apiserver.crt'),
    'tls-private-key-file': pki(c, 'apiserver.key'),
  })
  if (c.featureGates && Object.keys(c.featureGates).length > 0) {
    base.push({name: 'feature-gates', value: featureGates(c.featureGates)})
  }
  const mounts = [
    ...caCertMounts(),
    {
      name: 'k8s-certs',
      hostPath: c.certificatesDir,
      mountPath: c.certificatesDir,
      readOnly: true,
      type: 'DirectoryOrCreate',
    },
    ...externalEtcdMounts(c),
  ]
  const host = endpoint.advertiseAddress
  return staticPod({
    name: 'kube-apiserver',
    image: image(c, 'kube-apiserver'),
    imagePullPolicy: input.imagePullPolicy,
    command: ['kube-apiserver', ...argsToCommand(base, c.apiServer.extraArgs)],
    mounts: withExtraVolumes(mounts, c.apiServer.extraVolumes),
    cpu: '250m',
    probes: probes({host, port: endpoint.bindPort, scheme: 'HTTPS'}, {live: '/livez', ready: '/readyz'}),
    env: c.apiServer.extraEnvs,
    annotations: {
      'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${isIP(host) === 6 ? `[${host}]` : host}:${endpoint.bindPort}`,
    },
  })
}

function featureGates(gates: Record<string, boolean>): string {
  return Object.keys(gates)
    .sort()
    .map((k) => `${k}=${gates[k]}`)
    .join(',')
}

export function controllerManagerPod(input: ControlPlaneInput): Pod {
  const c = input.cluster
  const kubeconfig = posix.join(KUBERNETES_DIR, 'controller-manager.conf')
  const base = args({
    'authentication-kubeconfig': kubeconfig,
    'authorization-kubeconfig': kubeconfig,
    'bind-address': '127.0.0.1',
    'client-ca-file': pki(c, 'ca.crt'),
    'cloud-provider': 'external',
    'cluster-name': c.clusterName,
    ...(input.externalCA
      ? {}
      : {'cluster-signing-cert-file': pki(c, 'ca.crt'), 'cluster-signing-key-file': pki(c, 'ca.key')}),
    controllers: '*,bootstrapsigner,tokencleaner',
    kubeconfig,
    'leader-elect': 'true',
    'requestheader-client-ca-file': pki(c, 'front-proxy-ca.crt'),
    'root-ca-file': pki(c, 'ca.crt'),
    'service-account-private-key-file': pki(c, 'sa.key'),
    'service-cluster-ip-range': c.networking.serviceSubnet,
    'use-service-account-credentials': 'true',
  })
  if (c.networking.podSubnet) {
    base.push(
      {name: 'allocate-node-cidrs', value: 'true'},
      {name: 'cluster-cidr', value: c.networking.podSubnet},
    )
  }
  if (Object.keys(c.featureGates).length > 0)
    base.push({name: 'feature-gates', value: featureGates(c.featureGates)})
  const mounts: Mount[] = [
    ...caCertMounts(),
    {
      name: 'flexvolume-dir',
      hostPath: '/usr/libexec/kubernetes/kubelet-plugins/volume/exec',
      mountPath: '/usr/libexec/kubernetes/kubelet-plugins/volume/exec',
      readOnly: false,
      type: 'DirectoryOrCreate',
    },
    {
      name: 'k8s-certs',
      hostPath: c.certificatesDir,
      mountPath: c.certificatesDir,
      readOnly: true,
      type: 'DirectoryOrCreate',
    },
    {name: 'kubeconfig', hostPath: kubeconfig, mountPath: kubeconfig, readOnly: true, type: 'FileOrCreate'},
  ]
  return staticPod({
    name: 'kube-controller-manager',
    image: image(c, 'kube-controller-manager'),
    imagePullPolicy: input.imagePullPolicy,
    command: ['kube-controller-manager', ...argsToCommand(base, c.controllerManager.extraArgs)],
    mounts: withExtraVolumes(mounts, c.controllerManager.extraVolumes),
    cpu: '200m',
    probes: probes({host: '127.0.0.1', port: 10257, scheme: 'HTTPS'}, {live: '/healthz'}),
    env: c.controllerManager.extraEnvs,
  })
}

export function schedulerPod(input: ControlPlaneInput): Pod {
  const c = input.cluster
  const kubeconfig = posix.join(KUBERNETES_DIR, 'scheduler.conf')
  const base = args({
    'authentication-kubeconfig': kubeconfig,
    'authorization-kubeconfig': kubeconfig,
    'bind-address': '127.0.0.1',
    kubeconfig,
    'leader-elect': 'true',
  })
  if (Object.keys(c.featureGates).length > 0)
    base.push({name: 'feature-gates', value: featureGates(c.featureGates)})
  const mounts: Mount[] = [
    {name: 'kubeconfig', hostPath: kubeconfig, mountPath: kubeconfig, readOnly: true, type: 'FileOrCreate'},
  ]
  return staticPod({
    name: 'kube-scheduler',
    image: image(c, 'kube-scheduler'),
    imagePullPolicy: input.imagePullPolicy,
    command: ['kube-scheduler', ...argsToCommand(base, c.scheduler.extraArgs)],
    mounts: withExtraVolumes(mounts, c.scheduler.extraVolumes),
    cpu: '100m',
    probes: probes({host: '127.0.0.1', port: 10259, scheme: 'HTTPS'}, {live: '/livez', ready: '/readyz'}),
    env: c.scheduler.extraEnvs,
  })
}
