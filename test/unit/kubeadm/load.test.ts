import {describe, expect, it} from 'vitest'
import {type KubeadmLoadOptions, parseKubeadmConfig} from '../../../src/kubeadm/load.js'
import {ValidationError} from '../../../src/util/errors.js'

function problems(text: string, options: KubeadmLoadOptions = {}): string[] {
  try {
    parseKubeadmConfig(text, 'k.yaml', options)
  } catch (err) {
    if (err instanceof ValidationError) return [...err.problems]
    throw err
  }
  return []
}

describe('kubeadm config files', () => {
  it('refuses v1beta3, which kubeadm v1.37 removed, naming the file, the version and the way out', () => {
    const v1beta3 = `apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
nodeRegistration:
  kubeletExtraArgs:
    v: "2"
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
apiServer:
  extraArgs:
    audit-log-path: /var/log/audit.log
`
    // Once per version, not once per document; allowing experimental APIs changes nothing.
    for (const options of [{}, {allowExperimental: true}]) {
      expect(problems(v1beta3, options)).toEqual([
        'k.yaml: InitConfiguration (document 1): apiVersion: kubeadm.k8s.io/v1beta3 is no longer supported: ' +
          'kubeadm v1.37 removed it and reads only kubeadm.k8s.io/v1beta4 (and the experimental kubeadm.k8s.io/v1). ' +
          'Convert the file with kubeadm v1.36: kubeadm config migrate --old-config k.yaml --new-config <new file> (line 1)',
      ])
    }
  })

  it('names every kubeadm release needed to migrate an older removed version', () => {
    expect(problems('apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\n')).toEqual([
      expect.stringContaining(
        'apiVersion: kubeadm.k8s.io/v1beta2 is no longer supported: kubeadm v1.37 removed it and reads only kubeadm.k8s.io/v1beta4 (and the experimental kubeadm.k8s.io/v1). ' +
          'Convert the file with kubeadm v1.22, then kubeadm v1.36 (one migration each): kubeadm config migrate --old-config k.yaml',
      ),
    ])
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

  it("reads the join timeout from timeouts, not v1beta3's discovery.timeout", () => {
    const docs = parseKubeadmConfig(
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken: {token: abcdef.0123456789abcdef, apiServerEndpoint: "10.0.0.1:6443", unsafeSkipCAVerification: true}
timeouts:
  discovery: 1m0s
`,
      'k.yaml',
    )
    expect(docs.join!.timeouts).toEqual({discovery: '1m0s'})
    expect(
      problems(`apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  timeout: 1m0s
`),
    ).toEqual([
      expect.stringMatching(
        /^k.yaml: JoinConfiguration \(document 1\): discovery.timeout: unknown field .*\(line 4\)$/,
      ),
    ])
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
apiVersion: kubeadm.k8s.io/v2
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
      'k.yaml: JoinConfiguration (document 4): apiVersion: "kubeadm.k8s.io/v2" is not supported (expected kubeadm.k8s.io/v1beta4 or kubeadm.k8s.io/v1) (line 18)',
      expect.stringMatching(
        /^k.yaml: ConfigMap \(document 5\): kind: unknown kind "ConfigMap" \(expected one of InitConfiguration/,
      ),
    ])
  })

  it('reads kubeadm.k8s.io/v1 only when experimental APIs are allowed, as kubeadm v1.37 does', () => {
    const v1 = `apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - {name: authorization-mode, value: ",Webhook", mergeMethod: append}
`
    expect(problems(v1)).toEqual([
      'k.yaml: ClusterConfiguration (document 1): apiVersion: kubeadm.k8s.io/v1 is experimental in kubeadm v1.37 and not allowed without --allow-experimental-api (or write kubeadm.k8s.io/v1beta4: the same fields, without extraArgs mergeMethod) (line 1)',
    ])
    expect(problems(v1, {allowExperimental: true})).toEqual([])
  })

  it('keeps v1 merge methods on every extraArgs list, and refuses unknown ones', () => {
    const docs = parseKubeadmConfig(
      `apiVersion: kubeadm.k8s.io/v1
kind: InitConfiguration
nodeRegistration:
  kubeletExtraArgs:
  - {name: node-labels, value: ",pool=a", mergeMethod: append}
---
apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - {name: authorization-mode, value: ",Webhook", mergeMethod: append}
  - {name: enable-admission-plugins, value: "PodSecurity,", mergeMethod: prepend}
  - {name: v, value: "2", mergeMethod: ""}
etcd:
  local:
    extraArgs:
    - {name: listen-metrics-urls, value: ",http://10.0.0.1:2381", mergeMethod: append}
`,
      'k.yaml',
      {allowExperimental: true},
    )
    expect((docs.cluster!.apiServer as {extraArgs: unknown}).extraArgs).toEqual([
      {name: 'authorization-mode', value: ',Webhook', mergeMethod: 'append'},
      {name: 'enable-admission-plugins', value: 'PodSecurity,', mergeMethod: 'prepend'},
      {name: 'v', value: '2'},
    ])
    expect((docs.init!.nodeRegistration as {kubeletExtraArgs: unknown}).kubeletExtraArgs).toEqual([
      {name: 'node-labels', value: ',pool=a', mergeMethod: 'append'},
    ])
    expect(docs.cluster!.etcd).toEqual({
      local: {
        extraArgs: [{name: 'listen-metrics-urls', value: ',http://10.0.0.1:2381', mergeMethod: 'append'}],
      },
    })
    expect(
      problems(
        `apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
scheduler:
  extraArgs:
  - {name: v, value: "2", mergeMethod: apend}
`,
        {allowExperimental: true},
      ),
    ).toEqual([
      'k.yaml: ClusterConfiguration (document 1): scheduler.extraArgs[0].mergeMethod: "apend" is not one of append, prepend (did you mean "append"?) (line 5)',
    ])
  })

  it('refuses mergeMethod in v1beta4, which has no such field', () => {
    expect(
      problems(`apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - {name: authorization-mode, value: ",Webhook", mergeMethod: append}
`),
    ).toEqual([
      expect.stringMatching(
        /^k.yaml: ClusterConfiguration \(document 1\): apiServer.extraArgs\[0\].mergeMethod: unknown field .*\(line 5\)$/,
      ),
    ])
  })

  it('reads v1beta4 and v1 documents side by side, as kubeadm converts each on its own', () => {
    const docs = parseKubeadmConfig(
      `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {name: cp-1}
---
apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
clusterName: demo
`,
      'k.yaml',
      {allowExperimental: true},
    )
    expect(docs.init).toMatchObject({nodeRegistration: {name: 'cp-1'}})
    expect(docs.cluster).toMatchObject({clusterName: 'demo'})
    expect(problems('')).toEqual([expect.stringContaining('no documents found')])
    expect(problems('a: [')).toEqual([expect.stringMatching(/^k.yaml: line 1: /)])
  })
})
