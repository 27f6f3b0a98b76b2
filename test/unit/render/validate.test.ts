import {createHash} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {validateCloudConfig, validateClusterUserData} from '../../../src/render/validate.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'

describe('validateCloudConfig', () => {
  it('reports an unknown key with its line and the nearest known key', () => {
    const text = '#cloud-config\nhostname: a\npackages:\n  - jq\nrunncmd:\n  - [ls]\n'
    expect(validateCloudConfig(text, 'userdata/node')).toEqual([
      'userdata/node: line 5: unknown key "runncmd" (did you mean "runcmd"?)',
    ])
  })

  it('reports unknown keys inside known structures', () => {
    const text = '#cloud-config\nwrite_files:\n  - path: /etc/x\n    permisions: "0644"\n'
    expect(validateCloudConfig(text, 'userdata/node')).toEqual([
      'userdata/node: line 4: write_files[0]: unknown key "permisions" (did you mean "permissions"?)',
    ])
  })

  it('reports wrong types with the value found', () => {
    const text = [
      '#cloud-config',
      'write_files:',
      '  - path: /etc/x',
      '    permissions: 0644',
      'package_update: "yes"',
      'runcmd: ls -l',
      'power_state:',
      '  mode: restart',
      '',
    ].join('\n')
    expect(validateCloudConfig(text, 'userdata/node')).toEqual([
      'userdata/node: line 4: write_files[0].permissions: expected a string, got an integer (644)',
      'userdata/node: line 5: package_update: expected a boolean, got a string ("yes")',
      'userdata/node: line 6: runcmd: expected a list (each item a string or a list of strings or null), got a string ("ls -l")',
      'userdata/node: line 8: power_state.mode: expected one of "poweroff", "halt", "reboot", got a string ("restart")',
    ])
  })

  it('reports a missing required key', () => {
    expect(validateCloudConfig('#cloud-config\nwrite_files:\n  - content: hi\n', 'f')).toEqual([
      'f: line 3: write_files[0]: missing required key "path"',
    ])
  })

  it('reports duplicate keys, YAML syntax errors and a missing header with lines', () => {
    expect(validateCloudConfig('#cloud-config\nruncmd: []\nhostname: a\nruncmd: []\n', 'f')).toEqual([
      'f: line 4: duplicate key (each key may appear once)',
    ])
    const broken = validateCloudConfig('#cloud-config\nruncmd:\n  - [a\nhostname: b\n', 'f')
    expect(broken[0]).toMatch(/^f: line \d+: /)
    expect(validateCloudConfig('hostname: a\n', 'f')).toEqual([
      'f: line 1: a cloud-config must start with a "#cloud-config" line',
    ])
    expect(validateCloudConfig('#cloud-config\n- a\n', 'f')).toEqual([
      'f: line 2: the document must be a mapping of cloud-config keys, not a list',
    ])
  })

  it('accepts what cloud-init accepts', () => {
    const text = [
      '#cloud-config',
      'users:',
      '  - default',
      '  - name: ops',
      '    sudo: ALL=(ALL) NOPASSWD:ALL',
      '    groups: [adm, sudo]',
      '    ssh_authorized_keys: ["ssh-ed25519 AAAA ops"]',
      'ntp: {enabled: true, servers: [169.254.169.123]}',
      'packages: [jq, [curl, 8.5.0-2ubuntu10]]',
      'manage_etc_hosts: localhost',
      'runcmd: [[echo, hi], echo two]',
      '',
    ].join('\n')
    expect(validateCloudConfig(text, 'f')).toEqual([])
  })
})

describe('validateClusterUserData (what `kforge validate -f` runs)', () => {
  it('finds nothing wrong in a good spec', () => {
    expect(validateClusterUserData(haPrivateCluster())).toEqual([])
  })

  it('points at the line of a typo in an instance group additionalCloudConfig', () => {
    const cluster = haPrivateCluster()
    cluster.instanceGroups[3]!.spec.additionalCloudConfig = 'ntp:\n  enabled: true\n  servres: [a]\n'
    const problems = validateClusterUserData(cluster)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^userdata\/nodes: line \d+: ntp: unknown key "servres" \(did you mean "servers"\?\)$/,
    )
  })

  it('catches a key that collides with what kforge renders', () => {
    const cluster = haPrivateCluster()
    cluster.instanceGroups[4]!.spec.additionalCloudConfig = 'runcmd:\n  - echo mine\n'
    expect(validateClusterUserData(cluster)).toEqual([
      expect.stringMatching(/^userdata\/gpu: line \d+: duplicate key/),
    ])
  })

  it('reports an over-size document with the line where it passes the limit, when it cannot be fetched', () => {
    const cluster = haPrivateCluster()
    const noise = Array.from(
      {length: 400},
      (_, i) => `  - "ssh-ed25519 ${createHash('sha512').update(String(i)).digest('base64')}"`,
    )
    cluster.instanceGroups[3]!.spec.additionalCloudConfig = `ssh_authorized_keys:\n${noise.join('\n')}\n`
    expect(validateClusterUserData(cluster)).toEqual([]) // an s3:// store serves it through the stub
    const problems = validateClusterUserData(cluster, {stateStore: '/home/user/.kforge/state'})
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^userdata\/nodes: line \d+: the cloud-config is \d+ bytes, over EC2's 16384-byte user-data limit even compressed/,
    )
  })

  it('reports render refusals against the group', () => {
    const cluster = haPrivateCluster()
    cluster.instanceGroups[4]!.spec.nodeLabels = {'kubernetes.io/role': 'gpu'}
    expect(validateClusterUserData(cluster)).toEqual([
      expect.stringMatching(/^userdata\/gpu: InstanceGroup "gpu": spec.nodeLabels\["kubernetes.io\/role"\]/),
    ])
  })
})
