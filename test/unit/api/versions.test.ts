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
    expect(parseVersion('v1.32.4')).toEqual({major: 1, minor: 32, patch: 4, pre: ''})
    expect(parseVersion('v1.33.0-rc.1')).toEqual({major: 1, minor: 33, patch: 0, pre: 'rc.1'})
    for (const bad of ['1.32.4', 'v1.32', 'v1.032.1', 'v1.32.4-', 'latest'])
      expect(parseVersion(bad)).toBeUndefined()
    expect(formatVersion(parseVersion('v1.33.0-rc.1')!)).toBe('v1.33.0-rc.1')
  })

  it('orders versions, pre-releases before their release', () => {
    const order = ['v1.29.0', 'v1.31.9', 'v1.31.10', 'v1.32.0-alpha.1', 'v1.32.0-rc.0', 'v1.32.0', 'v2.0.0']
    const shuffled = [...order].reverse()
    expect(shuffled.sort((a, b) => compareVersions(parseVersion(a)!, parseVersion(b)!))).toEqual(order)
  })

  it('supports v1.29 to v1.33 with v1.32.4 the default', () => {
    expect(supportedMinors()).toEqual([29, 30, 31, 32, 33])
    expect(DEFAULT_KUBERNETES_VERSION).toBe('v1.32.4')
    expect(checkKubernetesVersion(DEFAULT_KUBERNETES_VERSION)).toBeUndefined()
    expect(checkKubernetesVersion('v1.28.9')).toBe('(v1.28.9) is not supported (supported: v1.29 to v1.33)')
    expect(checkKubernetesVersion('v1.34.0')).toBe('(v1.34.0) is not supported (supported: v1.29 to v1.33)')
    expect(checkKubernetesVersion('1.32')).toBe('("1.32") is not a version of the form vX.Y.Z')
  })

  it('pairs each minor with the etcd kubeadm deploys', () => {
    expect(etcdVersionFor('v1.29.15')).toBe('3.5.16-0')
    expect(etcdVersionFor('v1.32.4')).toBe('3.5.21-0')
    expect(etcdVersionFor('v1.33.1')).toBe('3.5.21-0')
    expect(() => etcdVersionFor('nope')).toThrow('no etcd version')
  })
})
