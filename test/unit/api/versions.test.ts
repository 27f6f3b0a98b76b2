import {describe, expect, it} from 'vitest'
import {
  checkKubernetesVersion,
  compareVersions,
  DEFAULT_KUBERNETES_VERSION,
  etcdVersionFor,
  formatVersion,
  parseVersion,
  supportedMinors,
} from '../../../src/api/versions.js'

describe('versions', () => {
  it('parses vX.Y.Z with an optional pre-release', () => {
    expect(parseVersion('v1.37.2')).toEqual({major: 1, minor: 37, patch: 2, pre: ''})
    expect(parseVersion('v1.38.0-rc.1')).toEqual({major: 1, minor: 38, patch: 0, pre: 'rc.1'})
    for (const bad of ['1.37.2', 'v1.37', 'v1.037.1', 'v1.37.2-', 'latest'])
      expect(parseVersion(bad)).toBeUndefined()
    expect(formatVersion(parseVersion('v1.38.0-rc.1')!)).toBe('v1.38.0-rc.1')
  })

  it('orders versions, pre-releases before their release', () => {
    const order = ['v1.35.0', 'v1.36.9', 'v1.36.10', 'v1.37.0-alpha.1', 'v1.37.0-rc.0', 'v1.37.0', 'v2.0.0']
    const shuffled = [...order].reverse()
    expect(shuffled.sort((a, b) => compareVersions(parseVersion(a)!, parseVersion(b)!))).toEqual(order)
  })

  it('supports v1.35 to v1.37 with v1.37.2 the default', () => {
    expect(supportedMinors()).toEqual([35, 36, 37])
    expect(DEFAULT_KUBERNETES_VERSION).toBe('v1.37.2')
    expect(checkKubernetesVersion(DEFAULT_KUBERNETES_VERSION)).toBeUndefined()
    expect(checkKubernetesVersion('v1.35.0')).toBeUndefined()
    expect(checkKubernetesVersion('v1.34.9')).toBe('(v1.34.9) is not supported (supported: v1.35 to v1.37)')
    expect(checkKubernetesVersion('v1.38.0')).toBe('(v1.38.0) is not supported (supported: v1.35 to v1.37)')
    expect(checkKubernetesVersion('1.37')).toBe('("1.37") is not a version of the form vX.Y.Z')
  })

  it('pairs each minor with the etcd kubeadm deploys', () => {
    // kubeadm v1.37's constants.SupportedEtcdVersion maps 1.35, 1.36 and 1.37 to etcd 3.7.0.
    expect(etcdVersionFor('v1.35.4')).toBe('3.7.0-0')
    expect(etcdVersionFor('v1.36.1')).toBe('3.7.0-0')
    expect(etcdVersionFor('v1.37.2')).toBe('3.7.0-0')
    expect(() => etcdVersionFor('nope')).toThrow('no etcd version')
  })
})
