import {describe, expect, it} from 'vitest'
import {DEFAULT_KUBERNETES_VERSION} from '../../../src/api/versions.js'
import {completeInitConfig, completeJoinConfig, type HostFacts} from '../../../src/kubeadm/defaults.js'
import {parseKubeadmConfig} from '../../../src/kubeadm/load.js'
import {ValidationError} from '../../../src/util/errors.js'

const host: HostFacts = {hostname: 'node-a', ipv4: '192.0.2.5'}
const init = (text: string) => completeInitConfig(parseKubeadmConfig(text, 'k.yaml'), host, 'k.yaml')

function problems(fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof ValidationError) return [...err.problems]
    throw err
  }
  return []
}

describe("kubeadm's defaults", () => {
  it('fills every field from kubeadm defaults and the host', () => {
    const c = completeInitConfig({}, host)
    expect(c.init.nodeRegistration).toEqual({
      name: 'node-a',
      criSocket: 'unix:///var/run/containerd/containerd.sock',
      taints: [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}],
      kubeletExtraArgs: [],
      ignorePreflightErrors: [],
      imagePullPolicy: 'IfNotPresent',
      imagePullSerial: true,
    })
    expect(c.init.localAPIEndpoint).toEqual({advertiseAddress: '192.0.2.5', bindPort: 6443})
    expect(c.init.bootstrapTokens).toHaveLength(1)
    const t = c.init.bootstrapTokens[0]!
    expect(`${t.token.id}.${t.token.secret}`).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/)
    expect(t).toMatchObject({
      ttlMs: 86_400_000,
      usages: ['signing', 'authentication'],
      groups: ['system:bootstrappers:kubeadm:default-node-token'],
    })
    expect(c.init.timeouts.discovery).toBe(300_000)
    expect(c.cluster).toMatchObject({
      kubernetesVersion: DEFAULT_KUBERNETES_VERSION,
      networking: {serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local'},
      etcd: {local: {dataDir: '/var/lib/etcd', extraArgs: [], serverCertSANs: [], peerCertSANs: []}},
      certificatesDir: '/etc/kubernetes/pki',
      imageRepository: 'registry.k8s.io',
      clusterName: 'kubernetes',
      encryptionAlgorithm: 'RSA-2048',
      certificateValidityMs: 8760 * 3_600_000,
      caCertificateValidityMs: 87600 * 3_600_000,
      dns: {disabled: false},
      proxy: {disabled: false},
    })
  })

  it('keeps an explicit empty taint list, takes values from the documents', () => {
    const c = init(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {name: cp-x, taints: []}
bootstrapTokens:
- {token: abcdef.0123456789abcdef, ttl: 1h, description: first}
- {ttl: "0", usages: [authentication], groups: [system:bootstrappers:extra]}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
encryptionAlgorithm: ECDSA-P256
certificateValidityPeriod: 48h
etcd:
  external: {endpoints: ["https://e1:2379"], caFile: /etc/etcd/ca.crt, certFile: /etc/etcd/c.crt, keyFile: /etc/etcd/c.key}
`)
    expect(c.init.nodeRegistration.taints).toEqual([])
    expect(c.init.bootstrapTokens[0]).toMatchObject({
      token: {id: 'abcdef', secret: '0123456789abcdef'},
      ttlMs: 3_600_000,
      description: 'first',
    })
    expect(c.init.bootstrapTokens[1]).toMatchObject({
      ttlMs: 0,
      usages: ['authentication'],
      groups: ['system:bootstrappers:extra'],
    })
    expect(c.cluster.encryptionAlgorithm).toBe('ECDSA-P256')
    expect(c.cluster.certificateValidityMs).toBe(48 * 3_600_000)
    expect(c.cluster.etcd.external?.endpoints).toEqual(['https://e1:2379'])
    expect(c.cluster.etcd.local).toBeUndefined()
  })

  it('reports every semantic problem with its field path', () => {
    const found = problems(() =>
      init(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {name: Node_1}
localAPIEndpoint: {advertiseAddress: not-an-ip, bindPort: 70000}
bootstrapTokens:
- {token: ABCDEF.0123456789abcdef, ttl: 1day, expires: tomorrow, usages: [signing, sign], groups: [system:masters]}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.20.0
networking: {serviceSubnet: 10.96.0.0/40, dnsDomain: Cluster_Local}
certificatesDir: relative/pki
`),
    )
    expect(found).toEqual([
      'k.yaml: InitConfiguration.bootstrapTokens[0].token: is not of the form "[a-z0-9]{6}.[a-z0-9]{16}"',
      'k.yaml: InitConfiguration.bootstrapTokens[0].ttl: "1day" is not a duration like 24h0m0s, 5m or 90s',
      'k.yaml: InitConfiguration.bootstrapTokens[0].usages[1]: "sign" is not one of signing, authentication',
      'k.yaml: InitConfiguration.bootstrapTokens[0].groups[0]: "system:masters" must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]',
      'k.yaml: InitConfiguration.bootstrapTokens[0].expires: "tomorrow" is not an RFC 3339 time like 2030-01-02T15:04:05Z',
      'k.yaml: InitConfiguration.nodeRegistration.name: "Node_1" is not a lowercase RFC 1123 DNS name',
      'k.yaml: InitConfiguration.localAPIEndpoint.advertiseAddress: "not-an-ip" is not an IP address',
      'k.yaml: InitConfiguration.localAPIEndpoint.bindPort: 70000 is not a port (1-65535)',
      'k.yaml: ClusterConfiguration.networking.serviceSubnet: "10.96.0.0/40" is not a CIDR',
      'k.yaml: ClusterConfiguration.networking.dnsDomain: "Cluster_Local" is not a DNS name',
      expect.stringMatching(/^k.yaml: ClusterConfiguration.kubernetesVersion: .*v1.20.0.* is not supported/),
      'k.yaml: ClusterConfiguration.certificatesDir: "relative/pki" must be an absolute path',
    ])
  })

  it('needs an advertise address when the host has none to offer', () => {
    expect(problems(() => completeInitConfig({}, {hostname: 'h'}))).toEqual([
      'configuration: InitConfiguration.localAPIEndpoint.advertiseAddress: not set, and this machine has no non-internal IPv4 address to default to',
    ])
  })

  it('defaults a JoinConfiguration, worker nodes without taints', () => {
    const j = completeJoinConfig(
      parseKubeadmConfig(
        `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken: {token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443", caCertHashes: ["sha256:00"]}
  tlsBootstrapToken: zyxwvu.9876543210zyxwvu
timeouts: {discovery: 30s}
`,
        'j.yaml',
      ),
      host,
    )
    expect(j.discovery.bootstrapToken).toEqual({
      token: 'abcdef.0123456789abcdef',
      apiServerEndpoint: '10.0.0.1:6443',
      caCertHashes: ['sha256:00'],
      unsafeSkipCAVerification: false,
    })
    expect(j.discovery.tlsBootstrapToken).toBe('zyxwvu.9876543210zyxwvu')
    expect(j.timeouts.discovery).toBe(30_000)
    expect(j.nodeRegistration.taints).toEqual([])
    expect(j.caCertPath).toBe('/etc/kubernetes/pki/ca.crt')
    expect(j.controlPlane).toBeUndefined()
  })
})
