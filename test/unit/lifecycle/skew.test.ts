/** The upgrade skew policy: what is allowed, and refusals that name the rule. */
import {describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../../src/api/v1alpha1/flags.js'
import {retag} from '../../../src/lifecycle/in-cluster.js'
import {checkSkew} from '../../../src/lifecycle/skew.js'
import {upgradedSpec} from '../../../src/lifecycle/upgrade.js'

describe('checkSkew', () => {
  it('allows one minor up, patches both ways, one minor down', () => {
    expect(checkSkew({current: 'v1.30.4', target: 'v1.31.2'})).toBe('minor')
    expect(checkSkew({current: 'v1.31.2', target: 'v1.31.4'})).toBe('patch')
    expect(checkSkew({current: 'v1.31.4', target: 'v1.31.2'})).toBe('downgrade')
    expect(checkSkew({current: 'v1.31.4', target: 'v1.30.9'})).toBe('downgrade')
    expect(checkSkew({current: 'v1.31.4', target: 'v1.31.4'})).toBe('none')
  })

  it('refuses skipping a minor version, naming the policy and the next step', () => {
    expect(() => checkSkew({current: 'v1.29.4', target: 'v1.31.2'})).toThrow(
      'cannot upgrade v1.29.4 to v1.31.2: the Kubernetes version skew policy allows upgrading the control plane one minor version at a time (v1.29 -> v1.30 -> ... -> v1.31); upgrade to a v1.30 release first',
    )
  })

  it('refuses going back more than one minor version', () => {
    expect(() => checkSkew({current: 'v1.32.1', target: 'v1.30.2'})).toThrow(
      'cannot downgrade v1.32.1 to v1.30.2: the Kubernetes version skew policy allows going back at most one minor version (to v1.31)',
    )
  })

  it('refuses versions kforge does not support, malformed ones, and pre-releases unless allowed', () => {
    expect(() => checkSkew({current: 'v1.33.1', target: 'v1.34.0'})).toThrow(
      '--kubernetes-version (v1.34.0) is not supported (supported: v1.29 to v1.33)',
    )
    expect(() => checkSkew({current: 'v1.31.1', target: '1.31.2'})).toThrow(
      'is not a version of the form vX.Y.Z',
    )
    expect(() => checkSkew({current: 'v1.31.1', target: 'v1.32.0-rc.1'})).toThrow('pass --allow-prerelease')
    expect(checkSkew({current: 'v1.31.1', target: 'v1.32.0-rc.1', allowPrerelease: true})).toBe('minor')
  })

  it('never lets kubelets be newer than the target, nor more than three minors older', () => {
    expect(() =>
      checkSkew({
        current: 'v1.31.4',
        target: 'v1.31.2',
        kubelets: {'ip-10-0-1-5': 'v1.31.2', 'ip-10-0-1-6': 'v1.31.4'},
      }),
    ).toThrow(
      'node ip-10-0-1-6 runs kubelet v1.31.4, and the Kubernetes version skew policy never lets kubelets be newer than the API server',
    )
    expect(() => checkSkew({current: 'v1.32.4', target: 'v1.33.0', kubelets: {old: 'v1.29.9'}})).toThrow(
      'allows kubelets at most 3 minor versions older than the API server',
    )
    expect(checkSkew({current: 'v1.32.4', target: 'v1.33.0', kubelets: {a: 'v1.30.1', b: 'v1.32.4'}})).toBe(
      'minor',
    )
  })
})

describe('upgradedSpec', () => {
  it('moves a paired etcd version with Kubernetes and keeps a pinned one', () => {
    const c = clusterFromOptions({
      name: 'skew.example.com',
      zones: ['us-east-1a'],
      kubernetesVersion: 'v1.29.4',
    })
    expect(c.spec.etcd.version).toBe('3.5.16-0')
    const next = upgradedSpec(c, 'v1.30.2')
    expect(next.spec.kubernetesVersion).toBe('v1.30.2')
    expect(next.spec.etcd.version).toBe('3.5.21-0')
    expect(c.spec.kubernetesVersion).toBe('v1.29.4')
    c.spec.etcd.version = '3.5.15-0'
    expect(upgradedSpec(c, 'v1.30.2').spec.etcd.version).toBe('3.5.15-0')
  })
})

describe('retag', () => {
  it('changes the tag of versioned control-plane and kube-proxy images only', () => {
    expect(retag('registry.k8s.io/kube-apiserver:v1.31.2', 'v1.31.4')).toBe(
      'registry.k8s.io/kube-apiserver:v1.31.4',
    )
    expect(retag('mirror.local:5000/k8s/kube-proxy:v1.30.1', 'v1.31.0')).toBe(
      'mirror.local:5000/k8s/kube-proxy:v1.31.0',
    )
    expect(retag('registry.k8s.io/kube-scheduler', 'v1.31.0')).toBe('registry.k8s.io/kube-scheduler:v1.31.0')
    expect(retag('registry.k8s.io/etcd:3.5.21-0', 'v1.31.0')).toBe('registry.k8s.io/etcd:3.5.21-0')
    expect(retag('registry.k8s.io/pause:3.10', 'v1.31.0')).toBe('registry.k8s.io/pause:3.10')
  })
})
