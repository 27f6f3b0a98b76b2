/** Syntax, kinds, apiVersion and shape: the problems found before defaults run. */
import {describe, expect, it} from 'vitest'
import {edited, fixture, messagesOf, problemsOf} from './helpers.js'

const C = 'cluster.yaml: Cluster "demo.example.com":'

describe('spec structure', () => {
  it('accepts the minimal HA fixture', () => {
    expect(problemsOf(fixture('minimal-ha.yaml'))).toEqual([])
  })

  it('reports malformed YAML with its line and nothing else', () => {
    const text = [
      'apiVersion: kforge.dev/v1alpha1',
      'kind: Cluster',
      'metadata:',
      '  name: demo.example.com',
      'spec:',
      '  cloud:',
      '    aws:',
      '      zones: [us-east-1a]',
      '     region: us-east-1',
      '',
    ].join('\n')
    expect(problemsOf(text)).toEqual([
      'cluster.yaml: line 9: All mapping items must start at the same column',
    ])
  })

  it('reports an empty file and a file without a Cluster', () => {
    expect(problemsOf('# nothing here\n')).toEqual([
      'cluster.yaml: no documents (expected one Cluster and its InstanceGroups)',
    ])
    const groupsOnly = fixture('minimal-ha.yaml').split('---\n').slice(1).join('---\n')
    expect(problemsOf(groupsOnly)).toEqual([
      'cluster.yaml: no Cluster document (expected one document with kind: Cluster)',
    ])
  })

  it('rejects an unknown kind, suggesting the near one', () => {
    const text = fixture('minimal-ha.yaml').replace(
      /kind: InstanceGroup(\nmetadata:\n {2}name: nodes)/,
      'kind: InstanceGrup$1',
    )
    expect(problemsOf(text)).toEqual([
      'cluster.yaml: document 5 (line 36): kind: "InstanceGrup" is not a kind kforge knows (expected Cluster or InstanceGroup; did you mean "InstanceGroup"?)',
    ])
  })

  it('rejects a document that is not a mapping, and a missing kind', () => {
    expect(problemsOf('- just\n- a list\n')).toEqual([
      'cluster.yaml: document 1 (line 1): expected a mapping with apiVersion, kind, metadata and spec',
    ])
    expect(problemsOf('apiVersion: kforge.dev/v1alpha1\nmetadata: {name: x}\n')).toEqual([
      'cluster.yaml: document 1 (line 1): kind: required field is missing (expected Cluster or InstanceGroup)',
    ])
  })

  it('rejects an unsupported apiVersion', () => {
    const text = edited((docs) => {
      docs[0].apiVersion = 'kforge.dev/v1beta1'
    })
    expect(messagesOf(text)).toEqual([
      `${C} apiVersion: "kforge.dev/v1beta1" is not supported (expected "kforge.dev/v1alpha1")`,
    ])
  })

  it('names an unknown field and the nearest known one', () => {
    const text = edited((docs) => {
      docs[0].spec.cloud.aws.zoness = docs[0].spec.cloud.aws.zones
      docs[0].spec.networking = {networkCidr: '10.0.0.0/16', flavour: 'x'}
      docs[4].spec.minsize = 1
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.cloud.aws.zoness: unknown field (did you mean "zones"?)`,
      `${C} spec.networking.networkCidr: unknown field (did you mean "networkCIDR"?)`,
      `${C} spec.networking.flavour: unknown field (expected one of networkCIDR, subnets, podCIDR, serviceCIDR, dnsDomain, cni)`,
      'cluster.yaml: InstanceGroup "nodes": spec.minsize: unknown field (did you mean "minSize"?)',
    ])
  })

  it('names wrong types, with a hint to quote numbers meant as strings', () => {
    const text = edited((docs) => {
      docs[0].spec.kubernetesVersion = 1.37
      docs[0].spec.topology = {bastion: 'yes'}
      docs[0].spec.cloud.aws.zones = 'us-east-1a'
      docs[4].spec.minSize = '3'
      docs[4].spec.maxSize = 3.5
      docs[4].spec.nodeLabels = {spot: true}
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.cloud.aws.zones: expected a list, got string "us-east-1a"`,
      `${C} spec.kubernetesVersion: expected a string, got number 1.37 (quote it: "1.37")`,
      `${C} spec.topology.bastion: expected true or false, got string "yes"`,
      'cluster.yaml: InstanceGroup "nodes": spec.minSize: expected an integer, got string "3"',
      'cluster.yaml: InstanceGroup "nodes": spec.maxSize: expected an integer, got number 3.5',
      'cluster.yaml: InstanceGroup "nodes": spec.nodeLabels.spot: expected a string, got boolean true (quote it: "true")',
    ])
  })

  it('rejects a bad taint effect and a bad role, suggesting the near value', () => {
    const text = edited((docs) => {
      docs[4].spec.taints = [{key: 'dedicated', value: 'gpu', effect: 'NoScheduel'}]
      docs[3].spec.role = 'master'
    })
    expect(messagesOf(text)).toEqual([
      'cluster.yaml: InstanceGroup "control-plane-us-east-1c": spec.role: "master" is not one of control-plane, node, bastion',
      'cluster.yaml: InstanceGroup "nodes": spec.taints[0].effect: "NoScheduel" is not one of NoSchedule, PreferNoSchedule, NoExecute (did you mean "NoSchedule"?)',
    ])
  })

  it('reports missing required fields', () => {
    const text = edited((docs) => {
      delete docs[0].spec.cloud.aws.zones
      delete docs[4].spec.role
      docs[4].spec.taints = [{key: 'a'}]
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.cloud.aws.zones: required field is missing`,
      'cluster.yaml: InstanceGroup "nodes": spec.taints[0].effect: required field is missing',
      'cluster.yaml: InstanceGroup "nodes": spec.role: required field is missing',
    ])
  })

  it('rejects a second Cluster, a group defined twice and a group labelled for another cluster', () => {
    const twoClusters = edited((docs) => {
      docs.push({...docs[0], metadata: {name: 'other.example.com'}})
      docs.push(docs[4])
      docs[1].metadata.labels = {'kforge.dev/cluster': 'other.example.com'}
    })
    expect(messagesOf(twoClusters)).toEqual([
      'cluster.yaml: Cluster "other.example.com": a spec holds one Cluster, and Cluster "demo.example.com" came first',
      'cluster.yaml: InstanceGroup "nodes": defined twice (documents 5 and 7)',
      'cluster.yaml: InstanceGroup "control-plane-us-east-1a": metadata.labels["kforge.dev/cluster"] ("other.example.com") does not match Cluster "demo.example.com"',
    ])
  })

  it('checks the shape of spec.mirror and spec.additionalCloudConfig, suggesting near names', () => {
    const artifact = {path: 'x', sha256: 'a'.repeat(64)}
    const text = edited((docs) => {
      docs[0].spec.mirror = {
        baseURL: 'https://mirror.example.com',
        kubelet: {path: 'kubelet', sha265: 'a'.repeat(64)},
        kubectl: artifact,
        containerd: 'containerd.tgz',
        runc: artifact,
        cniplugins: artifact,
      }
      docs[4].spec.additionalCloudconfig = 'packages: [jq]\n'
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.mirror.baseURL: unknown field (did you mean "baseUrl"?)`,
      `${C} spec.mirror.kubelet.sha265: unknown field (did you mean "sha256"?)`,
      `${C} spec.mirror.kubelet.sha256: required field is missing`,
      `${C} spec.mirror.containerd: expected a mapping, got string "containerd.tgz"`,
      `${C} spec.mirror.cniplugins: unknown field (did you mean "cniPlugins"?)`,
      `${C} spec.mirror.baseUrl: required field is missing`,
      `${C} spec.mirror.cniPlugins: required field is missing`,
      `${C} spec.mirror.nodejs: required field is missing`,
      'cluster.yaml: InstanceGroup "nodes": spec.additionalCloudconfig: unknown field (did you mean "additionalCloudConfig"?)',
    ])
  })

  it('asks for additionalCloudConfig as a block string when it is written as YAML', () => {
    const text = fixture('minimal-ha.yaml').replace(
      '  maxSize: 6\n',
      '  maxSize: 6\n  additionalCloudConfig:\n    packages: [jq]\n',
    )
    expect(problemsOf(text)).toEqual([
      'cluster.yaml: InstanceGroup "nodes": spec.additionalCloudConfig: expected a string, got a mapping (write the cloud-config as a block string: "additionalCloudConfig: |" with the fragment indented below it) (line 44)',
    ])
  })

  it('gives the line of each field at fault', () => {
    const text = fixture('minimal-ha.yaml').replace('  maxSize: 6', '  maxSize: 6\n  machineTyp: m5.large')
    expect(problemsOf(text)).toEqual([
      'cluster.yaml: InstanceGroup "nodes": spec.machineTyp: unknown field (did you mean "machineType"?) (line 44)',
    ])
  })
})
