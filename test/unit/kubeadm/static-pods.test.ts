import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {completeInitConfig} from '../../../src/kubeadm/defaults.js'
import {kubeletConfiguration, kubeletFlagsEnv} from '../../../src/kubeadm/kubelet.js'
import {parseKubeadmConfig} from '../../../src/kubeadm/load.js'
import {
  apiServerPod,
  controllerManagerPod,
  schedulerPod,
} from '../../../src/kubeadm/static-pods/control-plane.js'
import {etcdPod} from '../../../src/kubeadm/static-pods/etcd.js'
import {serializePod} from '../../../src/kubeadm/static-pods/pod.js'

const host = {hostname: 'node-a', ipv4: '192.0.2.5'}
const cfg = (text = '') => completeInitConfig(text ? parseKubeadmConfig(text, 'k.yaml') : {}, host)

describe('static pod manifests', () => {
  it('points the API server at external etcd and mounts its certificate directories', () => {
    const c = cfg(`apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
etcd:
  external: {endpoints: ["https://e1:2379", "https://e2:2379"], caFile: /etc/etcd/pki/ca.crt, certFile: /etc/etcd/pki/c.crt, keyFile: /etc/etcd/pki/c.key}
featureGates: {B: false, A: true}
apiServer:
  extraEnvs:
  - {name: HTTPS_PROXY, value: "http://proxy:3128"}
`)
    const pod = apiServerPod({
      cluster: c.cluster,
      endpoint: c.init.localAPIEndpoint,
      imagePullPolicy: 'IfNotPresent',
      externalCA: false,
    })
    const cmd = pod.spec.containers[0]!.command
    expect(cmd).toContain('--etcd-servers=https://e1:2379,https://e2:2379')
    expect(cmd).toContain('--etcd-cafile=/etc/etcd/pki/ca.crt')
    expect(cmd).toContain('--feature-gates=A=true,B=false')
    expect(pod.spec.volumes).toContainEqual({
      hostPath: {path: '/etc/etcd/pki', type: 'DirectoryOrCreate'},
      name: 'etcd-certs-0',
    })
    expect(pod.spec.containers[0]!.env).toEqual([{name: 'HTTPS_PROXY', value: 'http://proxy:3128'}])
    // round-trips as YAML a kubelet would read
    expect(parse(serializePod(pod))).toEqual(JSON.parse(JSON.stringify(pod)))
  })

  it('leaves certificate signing out of the controller manager with an external CA', () => {
    const c = cfg()
    const input = {
      cluster: c.cluster,
      endpoint: c.init.localAPIEndpoint,
      imagePullPolicy: 'IfNotPresent',
      externalCA: true,
    }
    const cmd = controllerManagerPod(input).spec.containers[0]!.command
    expect(cmd.some((a) => a.startsWith('--cluster-signing'))).toBe(false)
    expect(cmd).toContain('--controllers=*,bootstrapsigner,tokencleaner')
    expect(cmd).not.toContain('--allocate-node-cidrs=true')
    expect(schedulerPod(input).spec.containers[0]!.command).toEqual([
      'kube-scheduler',
      '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/scheduler.conf',
      '--leader-elect=true',
    ])
  })

  it('brackets IPv6 addresses in URLs and the endpoint annotation', () => {
    const c = cfg(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: "fd00::10"}
`)
    const api = apiServerPod({
      cluster: c.cluster,
      endpoint: c.init.localAPIEndpoint,
      imagePullPolicy: 'IfNotPresent',
      externalCA: false,
    })
    expect(api.metadata.annotations).toEqual({
      'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': '[fd00::10]:6443',
    })
    const etcd = etcdPod({
      cluster: c.cluster,
      local: c.cluster.etcd.local!,
      memberName: 'n',
      advertiseAddress: 'fd00::10',
      imagePullPolicy: 'IfNotPresent',
    })
    expect(etcd.spec.containers[0]!.command).toContain(
      '--listen-client-urls=https://127.0.0.1:2379,https://[fd00::10]:2379',
    )
  })

  it('lets etcd extraArgs and image settings override the defaults', () => {
    const c = cfg(`apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
etcd:
  local:
    imageRepository: mirror.example/etcd-io
    imageTag: v3.5.99
    dataDir: /data/etcd
    extraArgs:
    - {name: snapshot-count, value: "5000"}
`)
    const pod = etcdPod({
      cluster: c.cluster,
      local: c.cluster.etcd.local!,
      memberName: 'n',
      advertiseAddress: '192.0.2.5',
      imagePullPolicy: 'Always',
    })
    const container = pod.spec.containers[0]!
    expect(container.image).toBe('mirror.example/etcd-io/etcd:v3.5.99')
    expect(container.imagePullPolicy).toBe('Always')
    expect(container.command).toContain('--snapshot-count=5000')
    expect(container.command).not.toContain('--snapshot-count=10000')
    expect(container.command).toContain('--data-dir=/data/etcd')
    expect(pod.spec.volumes).toContainEqual({
      hostPath: {path: '/data/etcd', type: 'DirectoryOrCreate'},
      name: 'etcd-data',
    })
  })
})

describe('kubeadm.k8s.io/v1 merge methods in the manifests', () => {
  /** `--name=value` → name: kubeadm sorts its defaults by name, then value. */
  const names = (flags: string[]) => flags.map((f) => f.slice(2, f.indexOf('=')))
  const v1 = (text: string) =>
    completeInitConfig(parseKubeadmConfig(text, 'k.yaml', {allowExperimental: true}), host)

  it('appends and prepends to kubeadm defaults, and puts replacing arguments last', () => {
    const c = v1(`apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - {name: audit-log-path, value: /var/log/kubernetes/audit.log}
  - {name: authorization-mode, value: ",Webhook", mergeMethod: append}
  - {name: enable-admission-plugins, value: "PodSecurity,", mergeMethod: prepend}
  - {name: no-such-default, value: ",x", mergeMethod: append}
controllerManager:
  extraArgs:
  - {name: controllers, value: ",-ttl", mergeMethod: append}
`)
    const input = {
      cluster: c.cluster,
      endpoint: c.init.localAPIEndpoint,
      imagePullPolicy: 'IfNotPresent',
      externalCA: false,
    }
    const cmd = apiServerPod(input).spec.containers[0]!.command
    expect(cmd).toContain('--authorization-mode=Node,RBAC,Webhook')
    expect(cmd).toContain('--enable-admission-plugins=PodSecurity,NodeRestriction')
    expect(cmd.filter((a) => a.startsWith('--authorization-mode'))).toHaveLength(1)
    expect(cmd.some((a) => a.startsWith('--no-such-default'))).toBe(false)
    // kubeadm's defaults sorted, then the replacing arguments as written
    expect(cmd.at(-1)).toBe('--audit-log-path=/var/log/kubernetes/audit.log')
    expect(names(cmd.slice(1, -1))).toEqual(names(cmd.slice(1, -1)).sort())
    expect(controllerManagerPod(input).spec.containers[0]!.command).toContain(
      '--controllers=*,bootstrapsigner,tokencleaner,-ttl',
    )
  })

  it("points the API server at the local etcd's advertise-client-urls, merged the same way", () => {
    const at = (args: string) =>
      apiServerPod({
        cluster: v1(`apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
etcd:
  local:
    extraArgs: [${args}]
`).cluster,
        endpoint: {advertiseAddress: '192.0.2.5', bindPort: 6443},
        imagePullPolicy: 'IfNotPresent',
        externalCA: false,
      }).spec.containers[0]!.command.filter((a) => a.startsWith('--etcd-servers'))
    expect(at('')).toEqual(['--etcd-servers=https://127.0.0.1:2379'])
    expect(at('{name: advertise-client-urls, value: "https://10.0.0.5:2379"}')).toEqual([
      '--etcd-servers=https://10.0.0.5:2379',
    ])
    expect(at('{name: advertise-client-urls, value: ",https://10.0.0.5:2379", mergeMethod: append}')).toEqual(
      ['--etcd-servers=https://127.0.0.1:2379,https://10.0.0.5:2379'],
    )
  })

  it('gives a joining etcd member the existing cluster as defaults extraArgs may still override', () => {
    const c = v1(`apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
etcd:
  local:
    extraArgs:
    - {name: initial-cluster, value: ",spare=https://10.0.0.9:2380", mergeMethod: append}
`)
    const cmd = etcdPod({
      cluster: c.cluster,
      local: c.cluster.etcd.local!,
      memberName: 'n2',
      advertiseAddress: '192.0.2.6',
      imagePullPolicy: 'IfNotPresent',
      initialCluster: 'n1=https://192.0.2.5:2380,n2=https://192.0.2.6:2380',
    }).spec.containers[0]!.command
    expect(cmd).toContain(
      '--initial-cluster=n1=https://192.0.2.5:2380,n2=https://192.0.2.6:2380,spare=https://10.0.0.9:2380',
    )
    expect(cmd).toContain('--initial-cluster-state=existing')
    expect(names(cmd.slice(1))).toEqual(names(cmd.slice(1)).sort())
  })

  it('appends to the kubelet flags kubeadm writes', () => {
    const n = v1(`apiVersion: kubeadm.k8s.io/v1
kind: InitConfiguration
nodeRegistration:
  name: other
  kubeletExtraArgs:
  - {name: hostname-override, value: ".example.internal", mergeMethod: append}
  - {name: node-labels, value: "pool=a"}
`).init.nodeRegistration
    expect(kubeletFlagsEnv({nodeRegistration: n, hostname: 'node-a'})).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --hostname-override=other.example.internal --node-labels=pool=a"\n',
    )
  })
})

describe('kubelet files', () => {
  it('merges the user KubeletConfiguration over the defaults, objects key by key', () => {
    const c = cfg()
    const merged = kubeletConfiguration(c.cluster, {
      authentication: {anonymous: {enabled: true}},
      clusterDNS: ['169.254.20.10'],
      maxPods: 20,
    })
    expect(merged).toMatchObject({
      authentication: {
        anonymous: {enabled: true},
        webhook: {enabled: true},
        x509: {clientCAFile: '/etc/kubernetes/pki/ca.crt'},
      },
      clusterDNS: ['169.254.20.10'],
      maxPods: 20,
      staticPodPath: '/etc/kubernetes/manifests',
    })
  })

  it('quotes the flags file for systemd and overrides the hostname only when it differs', () => {
    const n = cfg().init.nodeRegistration
    expect(kubeletFlagsEnv({nodeRegistration: n, hostname: 'node-a'})).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n',
    )
    const named = {...n, name: 'other', kubeletExtraArgs: [{name: 'node-labels', value: 'a="b"'}]}
    expect(kubeletFlagsEnv({nodeRegistration: named, hostname: 'node-a'})).toBe(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --hostname-override=other --node-labels=a=\\"b\\""\n',
    )
  })
})
