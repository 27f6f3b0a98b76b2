import {describe, expect, it} from 'vitest'
import {argsFromMap, parseKubeadmConfig} from '../../../src/kubeadm/load.js'
import {ValidationError} from '../../../src/util/errors.js'

function problems(text: string): string[] {
  try {
    parseKubeadmConfig(text, 'k.yaml')
  } catch (err) {
    if (err instanceof ValidationError) return [...err.problems]
    throw err
  }
  return []
}

describe('kubeadm config files', () => {
  it('converts v1beta3 extraArgs maps to lists sorted by name', () => {
    const docs = parseKubeadmConfig(
      `apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
apiServer:
  extraArgs:
    z-last: "1"
    a-first: "2"
  timeoutForControlPlane: 2m0s
etcd:
  local:
    extraArgs:
      quota-backend-bytes: "8589934592"
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
nodeRegistration:
  kubeletExtraArgs:
    v: "2"
    node-ip: 10.0.0.1
`,
      'k.yaml',
    )
    expect(docs.apiVersion).toBe('kubeadm.k8s.io/v1beta3')
    expect((docs.cluster!.apiServer as {extraArgs: unknown}).extraArgs).toEqual([
      {name: 'a-first', value: '2'},
      {name: 'z-last', value: '1'},
    ])
    expect(docs.cluster!.etcd).toEqual({
      local: {extraArgs: [{name: 'quota-backend-bytes', value: '8589934592'}]},
    })
    expect((docs.init!.nodeRegistration as {kubeletExtraArgs: unknown}).kubeletExtraArgs).toEqual([
      {name: 'node-ip', value: '10.0.0.1'},
      {name: 'v', value: '2'},
    ])
    // v1beta3's apiServer.timeoutForControlPlane is v1beta4's init timeouts
    expect(docs.init!.timeouts).toEqual({controlPlaneComponentHealthCheck: '2m0s'})
    expect(docs.cluster!.apiServer).not.toHaveProperty('timeoutForControlPlane')
  })

  it('keeps v1beta4 lists as written, duplicates included', () => {
    const docs = parseKubeadmConfig(
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - {name: z, value: "1"}
  - {name: a, value: "2"}
  - {name: a, value: "1"}
`,
      'k.yaml',
    )
    expect((docs.cluster!.apiServer as {extraArgs: unknown}).extraArgs).toEqual([
      {name: 'z', value: '1'},
      {name: 'a', value: '2'},
      {name: 'a', value: '1'},
    ])
  })

  it('moves v1beta3 join discovery.timeout into timeouts', () => {
    const docs = parseKubeadmConfig(
      `apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery:
  bootstrapToken: {token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443", unsafeSkipCAVerification: true}
  timeout: 1m0s
`,
      'k.yaml',
    )
    expect(docs.join!.timeouts).toEqual({discovery: '1m0s'})
  })

  it('stores component configs beside the kubeadm documents', () => {
    const docs = parseKubeadmConfig(
      `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 10
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ipvs
`,
      'k.yaml',
    )
    expect(docs.kubelet).toMatchObject({maxPods: 10})
    expect(docs.kubeProxy).toMatchObject({mode: 'ipvs'})
  })

  it('reports every unknown field, wrong type and bad document with kind, path and line', () => {
    const found = problems(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddres: 10.0.0.1
  bindPort: "6443"
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
networking:
  serviceSubnet: 10.96.0.0/12
  podCIDR: 10.244.0.0/16
apiServer:
  timeoutForControlPlane: 4m
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
---
apiVersion: kubeadm.k8s.io/v1beta2
kind: JoinConfiguration
---
apiVersion: v1
kind: ConfigMap
`)
    expect(found).toEqual([
      'k.yaml: InitConfiguration (document 1): localAPIEndpoint.advertiseAddres: unknown field (did you mean "advertiseAddress"?) (line 4)',
      'k.yaml: InitConfiguration (document 1): localAPIEndpoint.bindPort: expected an integer, got string "6443" (line 5)',
      'k.yaml: ClusterConfiguration (document 2): networking.podCIDR: unknown field (expected one of serviceSubnet, podSubnet, dnsDomain) (line 11)',
      expect.stringMatching(
        /^k.yaml: ClusterConfiguration \(document 2\): apiServer.timeoutForControlPlane: unknown field .*\(line 13\)$/,
      ),
      'k.yaml: ClusterConfiguration (document 3): a second ClusterConfiguration document (only one is allowed)',
      'k.yaml: JoinConfiguration (document 4): apiVersion: "kubeadm.k8s.io/v1beta2" is not supported (expected kubeadm.k8s.io/v1beta3 or kubeadm.k8s.io/v1beta4) (line 18)',
      expect.stringMatching(
        /^k.yaml: ConfigMap \(document 5\): kind: unknown kind "ConfigMap" \(expected one of InitConfiguration/,
      ),
    ])
  })

  it('refuses a file that mixes v1beta3 and v1beta4, and v1beta4-only kinds in v1beta3', () => {
    expect(
      problems(`apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ResetConfiguration
`),
    ).toEqual([
      'k.yaml: ClusterConfiguration (document 2): apiVersion: mixes kubeadm.k8s.io/v1beta4 with kubeadm.k8s.io/v1beta3 from an earlier document (line 4)',
      'k.yaml: ResetConfiguration (document 3): kind: ResetConfiguration does not exist in kubeadm.k8s.io/v1beta3 (line 8)',
    ])
    expect(problems('')).toEqual([expect.stringContaining('no documents found')])
    expect(problems('a: [')).toEqual([expect.stringMatching(/^k.yaml: line 1: /)])
  })

  it('sorts converted arguments by name, then value', () => {
    expect(argsFromMap({b: 'x', a: 'y'})).toEqual([
      {name: 'a', value: 'y'},
      {name: 'b', value: 'x'},
    ])
  })
})
