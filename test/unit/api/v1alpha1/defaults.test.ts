import {describe, expect, it} from 'vitest'
import {contains, overlaps, parseCidr} from '../../../../src/api/cidr.js'
import {carveSubnets, regionOfZone} from '../../../../src/api/v1alpha1/defaults.js'
import {
  type CreateClusterOptions,
  clusterFromOptions,
  spreadOverZones,
} from '../../../../src/api/v1alpha1/flags.js'
import {loadSpec, renderSpec} from '../../../../src/api/v1alpha1/index.js'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {ValidationError} from '../../../../src/util/errors.js'
import {fixture} from './helpers.js'

const zones3 = ['us-east-1a', 'us-east-1b', 'us-east-1c']
const groups = (c: Cluster) =>
  c.instanceGroups.map((g) => [g.name, g.spec.role, g.spec.minSize, g.spec.maxSize, g.spec.subnets.join(',')])

describe('defaults from a spec file', () => {
  it('completes the minimal HA fixture', () => {
    const c = loadSpec(fixture('minimal-ha.yaml'), 'minimal-ha.yaml')
    expect(c.spec.kubernetesVersion).toBe('v1.37.2')
    expect(c.spec.etcd.version).toBe('3.7.0-0')
    expect(c.spec.cloud.aws.region).toBe('us-east-1')
    expect(c.spec.api.dnsName).toBe('api.demo.example.com')
    expect(c.spec.dns).toEqual({zone: 'example.com', type: 'public'})
    expect(c.spec.networking.subnets.map((s) => [s.name, s.type, s.cidr])).toEqual([
      ['us-east-1a', 'public', '10.0.0.0/19'],
      ['us-east-1b', 'public', '10.0.32.0/19'],
      ['us-east-1c', 'public', '10.0.64.0/19'],
    ])
    expect(groups(c)).toEqual([
      ['control-plane-us-east-1a', 'control-plane', 1, 1, 'us-east-1a'],
      ['control-plane-us-east-1b', 'control-plane', 1, 1, 'us-east-1b'],
      ['control-plane-us-east-1c', 'control-plane', 1, 1, 'us-east-1c'],
      ['nodes', 'node', 3, 6, 'us-east-1a,us-east-1b,us-east-1c'],
    ])
    expect(c.instanceGroups[3]!.labels).toEqual({'kforge.dev/cluster': 'demo.example.com'})
  })

  it('derives the region from zones, local zones included', () => {
    expect(regionOfZone('us-east-1a')).toBe('us-east-1')
    expect(regionOfZone('us-gov-west-1b')).toBe('us-gov-west-1')
    expect(regionOfZone('us-east-1-bos-1a')).toBe('us-east-1')
    expect(regionOfZone('nowhere')).toBeUndefined()
  })

  it('carves subnets around the ones the user placed; utility subnets (smaller, carved last) fill gaps', () => {
    const carved = carveSubnets('10.0.0.0/16', [
      {name: 'a', zone: 'z', type: 'private'},
      {name: 'u', zone: 'z', type: 'utility'},
      {name: 'b', zone: 'z', type: 'private', cidr: '10.0.0.0/20'},
      {name: 'c', zone: 'z', type: 'private'},
      {name: 'x', zone: 'z', type: 'private', id: 'subnet-12345678'},
    ])
    expect(carved.map((s) => s.cidr)).toEqual([
      '10.0.32.0/19',
      '10.0.16.0/22',
      '10.0.0.0/20',
      '10.0.64.0/19',
      '',
    ])
    expect(carveSubnets('nonsense', [{name: 'a', zone: 'z', type: 'public'}])[0]!.cidr).toBe('')
  })
})

describe('defaults from create cluster flags', () => {
  const build = (o: Partial<CreateClusterOptions>) =>
    clusterFromOptions({name: 'demo.example.com', zones: zones3, ...o})

  it('one zone: one control-plane node and two nodes', () => {
    const c = build({zones: ['eu-west-1b']})
    expect(c.spec.cloud.aws.region).toBe('eu-west-1')
    expect(groups(c)).toEqual([
      ['control-plane-eu-west-1b', 'control-plane', 1, 1, 'eu-west-1b'],
      ['nodes', 'node', 2, 2, 'eu-west-1b'],
    ])
  })

  it('three zones: three control-plane groups, one per zone, nodes over all zones', () => {
    expect(groups(build({}))).toEqual([
      ['control-plane-us-east-1a', 'control-plane', 1, 1, 'us-east-1a'],
      ['control-plane-us-east-1b', 'control-plane', 1, 1, 'us-east-1b'],
      ['control-plane-us-east-1c', 'control-plane', 1, 1, 'us-east-1c'],
      ['nodes', 'node', 3, 3, 'us-east-1a,us-east-1b,us-east-1c'],
    ])
  })

  it('two zones: three control-plane nodes dealt 2 + 1, one group of one per node', () => {
    expect(groups(build({zones: ['us-east-1a', 'us-east-1b']})).slice(0, 3)).toEqual([
      ['control-plane-us-east-1a-1', 'control-plane', 1, 1, 'us-east-1a'],
      ['control-plane-us-east-1a-2', 'control-plane', 1, 1, 'us-east-1a'],
      ['control-plane-us-east-1b', 'control-plane', 1, 1, 'us-east-1b'],
    ])
    expect(spreadOverZones(5, ['a', 'b', 'c'])).toEqual([
      {zone: 'a', size: 2},
      {zone: 'b', size: 2},
      {zone: 'c', size: 1},
    ])
    expect(spreadOverZones(1, ['a', 'b', 'c'])).toEqual([{zone: 'a', size: 1}])
  })

  it('one zone, three control-plane nodes: control-plane-<zone>-1..3', () => {
    expect(groups(build({zones: ['us-east-1a'], controlPlaneCount: 3}))).toEqual([
      ['control-plane-us-east-1a-1', 'control-plane', 1, 1, 'us-east-1a'],
      ['control-plane-us-east-1a-2', 'control-plane', 1, 1, 'us-east-1a'],
      ['control-plane-us-east-1a-3', 'control-plane', 1, 1, 'us-east-1a'],
      ['nodes', 'node', 2, 2, 'us-east-1a'],
    ])
  })

  it('five control-plane nodes over three zones: numbered only where a zone has several', () => {
    expect(groups(build({controlPlaneCount: 5})).map((g) => g[0])).toEqual([
      'control-plane-us-east-1a-1',
      'control-plane-us-east-1a-2',
      'control-plane-us-east-1b-1',
      'control-plane-us-east-1b-2',
      'control-plane-us-east-1c',
      'nodes',
    ])
  })

  it('refuses an even control-plane count', () => {
    expect(() => build({controlPlaneCount: 4})).toThrow(ValidationError)
    expect(() => build({controlPlaneCount: 4})).toThrow(
      'Cluster "demo.example.com": control-plane size must be odd and at most 7 for etcd quorum (1, 3, 5 or 7), got 4',
    )
  })

  it('private topology with a bastion: private + utility subnets per zone, bastion in utility', () => {
    const c = build({
      topology: 'private',
      bastion: true,
      nodeCount: 5,
      nodeSize: 'm5.large',
      controlPlaneSize: 'c5.large',
    })
    expect(c.spec.networking.subnets.map((s) => `${s.name}:${s.type}`)).toEqual([
      'us-east-1a:private',
      'us-east-1b:private',
      'us-east-1c:private',
      'utility-us-east-1a:utility',
      'utility-us-east-1b:utility',
      'utility-us-east-1c:utility',
    ])
    const cidrs = c.spec.networking.subnets.map((s) => parseCidr(s.cidr))
    const vpc = parseCidr(c.spec.networking.networkCIDR)
    cidrs.forEach((a, i) => {
      expect(contains(vpc, a)).toBe(true)
      for (const b of cidrs.slice(i + 1)) expect(overlaps(a, b)).toBe(false)
    })
    const bastion = c.instanceGroups.find((g) => g.spec.role === 'bastion')!
    expect(bastion.spec.subnets).toEqual(['utility-us-east-1a', 'utility-us-east-1b', 'utility-us-east-1c'])
    expect(bastion.spec.machineType).toBe('t3.micro')
    expect(c.instanceGroups.find((g) => g.name === 'nodes')!.spec).toMatchObject({
      machineType: 'm5.large',
      minSize: 5,
    })
    expect(c.instanceGroups[0]!.spec.machineType).toBe('c5.large')
  })

  it('carries the other flags into the spec', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm6aCk0zSc1lpWzL6Qn9xv0Vh0O3v5E3Z3Kp2c0yJzM user@host'
    const c = build({
      kubernetesVersion: 'v1.36.2',
      dnsZone: 'k8s.example.com',
      networkCIDR: '172.20.0.0/16',
      apiAccess: ['203.0.113.0/24'],
      // A restricted API needs nodes behind NAT (see the validation rule for spec.api.access).
      topology: 'private',
      sshPublicKey: `${key}\n`,
      kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      name: 'demo.k8s.example.com',
    })
    expect(c.spec.kubernetesVersion).toBe('v1.36.2')
    expect(c.spec.dns.zone).toBe('k8s.example.com')
    expect(c.spec.networking.subnets[0]!.cidr).toBe('172.20.0.0/19')
    expect(c.spec.api.access).toEqual(['203.0.113.0/24'])
    expect(c.spec.cloud.aws.sshKey).toEqual({publicKey: key})
    expect(c.spec.cloud.aws.kmsKeyArn).toMatch(/^arn:aws:kms:/)
  })

  it('uses an existing VPC and its subnets as described', () => {
    const c = build({
      topology: 'private',
      existing: {
        vpcId: 'vpc-0abc1234def567890',
        networkCIDR: '10.20.0.0/16',
        subnets: [
          {id: 'subnet-0aaa1111bbb222333', zone: 'us-east-1a', cidr: '10.20.0.0/20', type: 'private'},
          {id: 'subnet-0aaa1111bbb222334', zone: 'us-east-1b', cidr: '10.20.16.0/20', type: 'private'},
          {id: 'subnet-0aaa1111bbb222335', zone: 'us-east-1c', cidr: '10.20.32.0/20', type: 'private'},
          {id: 'subnet-0aaa1111bbb222336', zone: 'us-east-1a', cidr: '10.20.48.0/24', type: 'utility'},
          {id: 'subnet-0aaa1111bbb222337', zone: 'us-east-1b', cidr: '10.20.49.0/24', type: 'utility'},
          {id: 'subnet-0aaa1111bbb222338', zone: 'us-east-1c', cidr: '10.20.50.0/24', type: 'utility'},
        ],
      },
    })
    expect(c.spec.cloud.aws.vpcId).toBe('vpc-0abc1234def567890')
    expect(c.spec.networking.subnets[3]).toEqual({
      name: 'utility-us-east-1a',
      id: 'subnet-0aaa1111bbb222336',
      zone: 'us-east-1a',
      cidr: '10.20.48.0/24',
      type: 'utility',
    })
    expect(c.instanceGroups[0]!.spec.subnets).toEqual(['us-east-1a'])
  })
})

describe('rendering', () => {
  const variants: Array<Partial<CreateClusterOptions>> = [
    {},
    {zones: ['us-east-1a']},
    {topology: 'private', bastion: true},
    {
      zones: ['us-east-1a', 'us-east-1b'],
      controlPlaneCount: 5,
      topology: 'private',
      apiAccess: ['10.0.0.0/8', '192.0.2.0/24'],
      sshAccess: ['192.0.2.0/24'],
    },
  ]
  it.each(variants)('round-trips byte for byte through the loader (%o)', (o) => {
    const yaml = renderSpec(clusterFromOptions({name: 'demo.example.com', zones: zones3, ...o}))
    expect(yaml).toContain('apiVersion: kforge.dev/v1alpha1')
    expect(renderSpec(loadSpec(yaml, 'printed.yaml'))).toBe(yaml)
  })

  it('round-trips every optional field a user can set', () => {
    const text = fixture('minimal-ha.yaml')
      .replace('  name: demo.example.com\n', '  name: demo.example.com\n  labels: {team: infra}\n')
      .replace(
        '      zones: [',
        '      vpcId: vpc-0abc1234def567890\n      sshKey: {name: ops}\n      kmsKeyArn: arn:aws:kms:us-east-1:111122223333:alias/kforge\n      zones: [',
      )
      .replace(
        '  maxSize: 6\n',
        '  maxSize: 6\n  image: {id: ami-0123456789abcdef0}\n  nodeLabels: {tier: web}\n  taints: [{key: dedicated, value: web, effect: NoSchedule}, {key: spot, effect: NoExecute}]\n  cloudLabels: {CostCenter: "42"}\n',
      )
    const once = renderSpec(loadSpec(text, 'full.yaml'))
    for (const field of [
      'team: infra',
      'vpcId:',
      'name: ops',
      'kmsKeyArn:',
      'ami-0123456789abcdef0',
      'tier: web',
      'effect: NoExecute',
      'CostCenter: "42"',
    ]) {
      expect(once).toContain(field)
    }
    expect(renderSpec(loadSpec(once, 'again.yaml'))).toBe(once)
  })

  const artifacts = ['kubelet', 'kubectl', 'containerd', 'runc', 'cniPlugins', 'nodejs'] as const
  const sumOf = (name: string) => 'abcdef'[artifacts.indexOf(name as (typeof artifacts)[number])]!.repeat(64)
  const mirrorYaml = [
    '  mirror:',
    '    baseUrl: s3://air-gapped-mirror/kforge',
    ...artifacts.flatMap((name) => [
      `    ${name}:`,
      `      path: files/${name}`,
      `      sha256: ${sumOf(name)}`,
    ]),
  ].join('\n')

  it('round-trips spec.mirror, written after selfHosted with its artifacts in a fixed order', () => {
    // Written in another order (and flow style) than the renderer's: it comes back in its own.
    const shuffled = ['nodejs', 'runc', 'kubectl', 'containerd', 'kubelet', 'cniPlugins']
      .map((name) => `    ${name}: {sha256: ${sumOf(name)}, path: files/${name}}\n`)
      .join('')
    const mirror = `  mirror:\n${shuffled}    baseUrl: s3://air-gapped-mirror/kforge\n`
    const text = fixture('minimal-ha.yaml').replace('spec:\n  cloud:', `spec:\n${mirror}  cloud:`)
    const cluster = loadSpec(text, 'mirror.yaml')
    expect(cluster.spec.mirror?.runc).toEqual({path: 'files/runc', sha256: 'd'.repeat(64)})
    const once = renderSpec(cluster)
    expect(once).toContain(`  selfHosted: false\n${mirrorYaml}\n---\n`)
    expect(renderSpec(loadSpec(once, 'again.yaml'))).toBe(once)
    // Without a mirror, none is written.
    expect(renderSpec(loadSpec(fixture('minimal-ha.yaml'), 'plain.yaml'))).not.toContain('mirror')
  })

  it.each([
    ['a literal block with a header line', '#cloud-config\npackages:\n  - jq\nntp:\n  enabled: true\n'],
    ['text without a final newline', 'packages: [jq]'],
    ['lines with trailing spaces and tabs', 'packages: [jq]   \nruncmd:\n  - echo\tdone\n'],
    ['a fragment of only a comment', '# nothing yet\n'],
  ])('round-trips spec.additionalCloudConfig as %s, written after cloudLabels', (_, fragment) => {
    const cluster = loadSpec(fixture('minimal-ha.yaml'), 'plain.yaml')
    const nodes = cluster.instanceGroups.find((g) => g.name === 'nodes')!
    nodes.spec.additionalCloudConfig = fragment
    const once = renderSpec(cluster)
    expect(once).toMatch(/ {2}cloudLabels: \{\}\n {2}additionalCloudConfig: \S/)
    const back = loadSpec(once, 'printed.yaml')
    expect(back.instanceGroups.find((g) => g.name === 'nodes')!.spec.additionalCloudConfig).toBe(fragment)
    expect(back.instanceGroups[0]!.spec.additionalCloudConfig).toBeUndefined()
    expect(renderSpec(back)).toBe(once)
  })

  it('writes a multi-line fragment as a literal block a user can read and edit', () => {
    const cluster = loadSpec(fixture('minimal-ha.yaml'), 'plain.yaml')
    cluster.instanceGroups[3]!.spec.additionalCloudConfig = '#cloud-config\npackages:\n  - jq\n'
    expect(renderSpec(cluster)).toContain(
      '  cloudLabels: {}\n  additionalCloudConfig: |\n    #cloud-config\n    packages:\n      - jq\n',
    )
  })
})
