/** The upgrade skew policy: what is allowed, and refusals that name the rule. */
import {describe, expect, it, vi} from 'vitest'
import {clusterFromOptions} from '../../../src/api/v1alpha1/flags.js'
import {retag} from '../../../src/lifecycle/in-cluster.js'
import {checkSkew} from '../../../src/lifecycle/skew.js'
import {upgradedSpec} from '../../../src/lifecycle/upgrade.js'

/** A stand-in for kubeadm's etcd pairing, for the one test that needs minors paired differently. */
const pairing = vi.hoisted(() => ({etcd: undefined as ((version: string) => string) | undefined}))
vi.mock('../../../src/api/versions.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/versions.js')>()
  return {
    ...real,
    etcdVersionFor: (v: Parameters<typeof real.etcdVersionFor>[0]) =>
      pairing.etcd ? pairing.etcd(typeof v === 'string' ? v : real.formatVersion(v)) : real.etcdVersionFor(v),
  }
})

describe('checkSkew', () => {
  it('allows one minor up, patches both ways, one minor down', () => {
    expect(checkSkew({current: 'v1.36.4', target: 'v1.37.2'})).toBe('minor')
    expect(checkSkew({current: 'v1.37.2', target: 'v1.37.4'})).toBe('patch')
    expect(checkSkew({current: 'v1.37.4', target: 'v1.37.2'})).toBe('downgrade')
    expect(checkSkew({current: 'v1.37.4', target: 'v1.36.9'})).toBe('downgrade')
    expect(checkSkew({current: 'v1.37.4', target: 'v1.37.4'})).toBe('none')
  })

  it('refuses skipping a minor version, naming the policy and the next step', () => {
    expect(() => checkSkew({current: 'v1.35.4', target: 'v1.37.2'})).toThrow(
      'cannot upgrade v1.35.4 to v1.37.2: the Kubernetes version skew policy allows upgrading the control plane one minor version at a time (v1.35 -> v1.36 -> ... -> v1.37); upgrade to a v1.36 release first',
    )
  })

  it('refuses going back more than one minor version', () => {
    expect(() => checkSkew({current: 'v1.37.1', target: 'v1.35.2'})).toThrow(
      'cannot downgrade v1.37.1 to v1.35.2: the Kubernetes version skew policy allows going back at most one minor version (to v1.36)',
    )
  })

  it('refuses versions kforge does not support, malformed ones, and pre-releases unless allowed', () => {
    expect(() => checkSkew({current: 'v1.37.1', target: 'v1.38.0'})).toThrow(
      '--kubernetes-version (v1.38.0) is not supported (supported: v1.35 to v1.37)',
    )
    expect(() => checkSkew({current: 'v1.35.1', target: 'v1.34.9'})).toThrow(
      '--kubernetes-version (v1.34.9) is not supported (supported: v1.35 to v1.37)',
    )
    expect(() => checkSkew({current: 'v1.36.1', target: '1.36.2'})).toThrow(
      'is not a version of the form vX.Y.Z',
    )
    expect(() => checkSkew({current: 'v1.36.1', target: 'v1.37.0-rc.1'})).toThrow('pass --allow-prerelease')
    expect(checkSkew({current: 'v1.36.1', target: 'v1.37.0-rc.1', allowPrerelease: true})).toBe('minor')
  })

  it('never lets kubelets be newer than the target, nor more than three minors older', () => {
    expect(() =>
      checkSkew({
        current: 'v1.37.4',
        target: 'v1.37.2',
        kubelets: {'ip-10-0-1-5': 'v1.37.2', 'ip-10-0-1-6': 'v1.37.4'},
      }),
    ).toThrow(
      'node ip-10-0-1-6 runs kubelet v1.37.4, and the Kubernetes version skew policy never lets kubelets be newer than the API server',
    )
    expect(() => checkSkew({current: 'v1.36.4', target: 'v1.37.0', kubelets: {old: 'v1.33.9'}})).toThrow(
      'allows kubelets at most 3 minor versions older than the API server',
    )
    expect(checkSkew({current: 'v1.36.4', target: 'v1.37.0', kubelets: {a: 'v1.34.1', b: 'v1.36.4'}})).toBe(
      'minor',
    )
  })
})

describe('upgradedSpec', () => {
  it('keeps the etcd kubeadm pairs with every supported minor, and a pinned one', () => {
    const c = clusterFromOptions({
      name: 'skew.example.com',
      zones: ['us-east-1a'],
      kubernetesVersion: 'v1.35.4',
    })
    expect(c.spec.etcd.version).toBe('3.7.0-0')
    const next = upgradedSpec(c, 'v1.36.2')
    expect(next.spec.kubernetesVersion).toBe('v1.36.2')
    expect(next.spec.etcd.version).toBe('3.7.0-0')
    expect(c.spec.kubernetesVersion).toBe('v1.35.4')
    c.spec.etcd.version = '3.6.5-0'
    expect(upgradedSpec(c, 'v1.36.2').spec.etcd.version).toBe('3.6.5-0')
  })

  it('moves a paired etcd version to the new pairing when kubeadm pairs the minors differently', () => {
    // kubeadm v1.37 pairs 1.35-1.37 all with 3.7.0-0; older kubeadms paired minors differently
    // (3.5.16-0 for 1.29, 3.5.21-0 for 1.32), and the next release may again.
    pairing.etcd = (v) => (v.startsWith('v1.35.') ? '3.6.9-0' : '3.7.0-0')
    try {
      const c = clusterFromOptions({
        name: 'skew.example.com',
        zones: ['us-east-1a'],
        kubernetesVersion: 'v1.35.4',
      })
      expect(c.spec.etcd.version).toBe('3.6.9-0')
      expect(upgradedSpec(c, 'v1.36.2').spec.etcd.version).toBe('3.7.0-0')
      c.spec.etcd.version = '3.6.5-0'
      expect(upgradedSpec(c, 'v1.36.2').spec.etcd.version).toBe('3.6.5-0')
    } finally {
      pairing.etcd = undefined
    }
  })
})

describe('retag', () => {
  it('changes the tag of versioned control-plane and kube-proxy images only', () => {
    expect(retag('registry.k8s.io/kube-apiserver:v1.37.2', 'v1.37.4')).toBe(
      'registry.k8s.io/kube-apiserver:v1.37.4',
    )
    expect(retag('mirror.local:5000/k8s/kube-proxy:v1.36.1', 'v1.37.0')).toBe(
      'mirror.local:5000/k8s/kube-proxy:v1.37.0',
    )
    expect(retag('registry.k8s.io/kube-scheduler', 'v1.37.0')).toBe('registry.k8s.io/kube-scheduler:v1.37.0')
    expect(retag('registry.k8s.io/etcd:3.7.0-0', 'v1.37.0')).toBe('registry.k8s.io/etcd:3.7.0-0')
    expect(retag('registry.k8s.io/pause:3.10.2', 'v1.37.0')).toBe('registry.k8s.io/pause:3.10.2')
  })
})
