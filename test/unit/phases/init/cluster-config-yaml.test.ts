/** What upload-config stores in kube-system/kubeadm-config, and that a joining node reads it back. */
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {completeInitConfig} from '../../../../src/kubeadm/defaults.js'
import {parseKubeadmConfig} from '../../../../src/kubeadm/load.js'
import {clusterConfigurationYaml} from '../../../../src/phases/init/api/cluster-config-yaml.js'

const host = {hostname: 'cp-1', ipv4: '192.0.2.5'}
const cluster = (text: string) =>
  completeInitConfig(parseKubeadmConfig(text, 'k.yaml', {allowExperimental: true}), host).cluster

describe('the uploaded ClusterConfiguration', () => {
  it('is kubeadm.k8s.io/v1beta4, as kubeadm v1.37 uploads it, when no argument has a merge method', () => {
    const c = cluster(`apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - {name: audit-log-path, value: /var/log/audit.log}
`)
    const doc = parse(clusterConfigurationYaml(c))
    expect(doc.apiVersion).toBe('kubeadm.k8s.io/v1beta4')
    expect(doc.apiServer.extraArgs).toEqual([{name: 'audit-log-path', value: '/var/log/audit.log'}])
  })

  it('keeps merge methods as kubeadm.k8s.io/v1, so a control-plane node joining later extends the same defaults', () => {
    const c = cluster(`apiVersion: kubeadm.k8s.io/v1
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - {name: authorization-mode, value: ",Webhook", mergeMethod: append}
etcd:
  local:
    extraArgs:
    - {name: advertise-client-urls, value: ",https://10.0.0.5:2379", mergeMethod: append}
`)
    const text = clusterConfigurationYaml(c)
    const doc = parse(text)
    expect(doc.apiVersion).toBe('kubeadm.k8s.io/v1')
    expect(doc.apiServer.extraArgs).toEqual([
      {name: 'authorization-mode', value: ',Webhook', mergeMethod: 'append'},
    ])
    // what cluster-config.ts does on a joining control-plane node
    const back = completeInitConfig(
      parseKubeadmConfig(text, 'kube-system/kubeadm-config', {allowExperimental: true}),
      host,
    ).cluster
    expect(back.apiServer.extraArgs).toEqual(c.apiServer.extraArgs)
    expect(back.etcd.local?.extraArgs).toEqual(c.etcd.local?.extraArgs)
  })
})
