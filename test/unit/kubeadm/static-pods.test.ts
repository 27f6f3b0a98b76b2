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
      nodeName: 'n',
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
      nodeName: 'n',
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
