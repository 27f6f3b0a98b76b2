/** Semantic rules on the defaulted cluster: one test per rule, asserting the exact field path. */
import {describe, expect, it} from 'vitest'
import {edited, fixture, messagesOf, problemsOf} from './helpers.js'

const C = 'cluster.yaml: Cluster "demo.example.com":'
const IG = (name: string) => `cluster.yaml: InstanceGroup "${name}":`

/** Private topology, explicit subnets: the base for the network rules. */
const subnets = (extra: object[] = []) => [
  {name: 'a', zone: 'us-east-1a', type: 'public', cidr: '10.0.0.0/19'},
  {name: 'b', zone: 'us-east-1b', type: 'public', cidr: '10.0.32.0/19'},
  {name: 'c', zone: 'us-east-1c', type: 'public', cidr: '10.0.64.0/19'},
  ...extra,
]

describe('cluster rules', () => {
  it('needs a DNS name', () => {
    const text = edited((d) => {
      d[0].metadata.name = 'Demo_Cluster.example.com'
      for (const g of d.slice(1)) g.metadata.labels = undefined
    })
    expect(messagesOf(text)).toEqual([
      `cluster.yaml: Cluster "Demo_Cluster.example.com": metadata.name ("Demo_Cluster.example.com") is not a DNS name (lowercase letters, digits, '-' and '.', labels of at most 63 characters)`,
      `cluster.yaml: Cluster "Demo_Cluster.example.com": spec.api.dnsName ("api.Demo_Cluster.example.com") is not a DNS name (lowercase letters, digits, '-' and '.', labels of at most 63 characters)`,
    ])
  })

  it('needs a DNS zone when the name has no parent domain', () => {
    const text = edited((d) => {
      d[0].metadata.name = 'demo'
    })
    expect(messagesOf(text)).toEqual([
      'cluster.yaml: Cluster "demo": spec.dns.zone must be set: metadata.name ("demo") has no parent domain to default to',
    ])
    const none = edited((d) => {
      d[0].metadata.name = 'demo'
      d[0].spec.dns = {type: 'none'}
    })
    expect(messagesOf(none)).toEqual([])
  })

  it('needs a supported Kubernetes version', () => {
    for (const [version, why] of [
      ['v1.34.9', '(v1.34.9) is not supported (supported: v1.35 to v1.37)'],
      ['1.37.2', '("1.37.2") is not a version of the form vX.Y.Z'],
    ]) {
      const text = edited((d) => {
        d[0].spec.kubernetesVersion = version
      })
      expect(messagesOf(text)).toEqual([`${C} spec.kubernetesVersion ${why}`])
    }
  })

  it('needs zones in the region, each once', () => {
    const text = edited((d) => {
      d[0].spec.cloud.aws.zones = ['us-east-1a', 'us-west-2a', 'us-east-1a', 'nowhere']
      d[0].spec.cloud.aws.region = 'us-east-1'
      d[0].spec.networking = {subnets: subnets().slice(0, 1)}
      d.splice(2, 2)
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.cloud.aws.zones[1] ("us-west-2a") is not in region us-east-1`,
      `${C} spec.cloud.aws.zones[2] ("us-east-1a") is listed twice`,
      `${C} spec.cloud.aws.zones[3] ("nowhere") is not an availability zone like us-east-1a`,
    ])
  })

  it('checks AWS identifiers', () => {
    const text = edited((d) => {
      Object.assign(d[0].spec.cloud.aws, {
        region: 'useast1',
        vpcId: 'vpc-xyz',
        kmsKeyArn: 'alias/mine',
        image: {id: 'ubuntu'},
        sshKey: {publicKey: 'not a key'},
      })
    })
    expect(messagesOf(text)).toEqual(
      expect.arrayContaining([
        `${C} spec.cloud.aws.region ("useast1") is not an AWS region like us-east-1`,
        `${C} spec.cloud.aws.vpcId ("vpc-xyz") is not a VPC id like vpc-0123456789abcdef0`,
        `${C} spec.cloud.aws.kmsKeyArn ("alias/mine") is not a KMS key ARN like arn:aws:kms:us-east-1:111122223333:key/<id>`,
        `${C} spec.cloud.aws.image.id ("ubuntu") is not an AMI id like ami-0123456789abcdef0`,
        `${C} spec.cloud.aws.sshKey.publicKey is not an OpenSSH public key (ssh-ed25519, ssh-rsa or ecdsa-sha2-* followed by base64)`,
      ]),
    )
    const both = edited((d) => {
      d[0].spec.cloud.aws.image = {id: 'ami-0123456789abcdef0', lookup: {owner: '1', namePattern: 'x'}}
      d[0].spec.cloud.aws.sshKey = {}
    })
    expect(messagesOf(both)).toEqual([
      `${C} spec.cloud.aws.image must set exactly one of id or lookup`,
      `${C} spec.cloud.aws.sshKey must set exactly one of publicKey or name`,
    ])
  })

  it('checks the API access CIDRs and port', () => {
    const text = edited((d) => {
      d[0].spec.api = {
        access: ['203.0.113.0/24', '10.0.0.0/33', '198.51.100.7/24'],
        port: 70000,
      }
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.api.access[1] ("10.0.0.0/33") has a prefix longer than /32`,
      `${C} spec.api.access[2] ("198.51.100.7/24") has host bits set (did you mean 198.51.100.0/24?)`,
      `${C} spec.api.port (70000) must be between 1 and 65535`,
    ])
    const empty = edited((d) => {
      d[0].spec.api = {access: []}
    })
    expect(messagesOf(empty)).toEqual([
      `${C} spec.api.access must allow at least one CIDR (0.0.0.0/0 for anywhere)`,
    ])
  })

  it("refuses a restricted API that a public topology's own instances could not reach", () => {
    const text = edited((d) => {
      d[0].spec.api = {access: ['203.0.113.0/24']}
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.api.access restricts an internet-facing load balancer that the cluster's own instances reach from their public addresses (public topology), which no rule can name: use spec.topology.type private (they arrive from NAT addresses kforge lets in), spec.dns.type private (an internal load balancer), or allow 0.0.0.0/0`,
    ])
  })

  it('checks the SSH access CIDRs', () => {
    const text = edited((d) => {
      d[0].spec.sshAccess = ['192.0.2.0/24', '192.0.2.1/24']
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.sshAccess[1] ("192.0.2.1/24") has host bits set (did you mean 192.0.2.0/24?)`,
    ])
  })

  it('keeps the API name inside the DNS zone', () => {
    const text = edited((d) => {
      d[0].spec.api = {dnsName: 'api.other.org'}
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.api.dnsName ("api.other.org") is not inside spec.dns.zone (example.com)`,
    ])
  })

  it('checks etcd, addons, bastion topology and the DNS domain', () => {
    const text = edited((d) => {
      d[0].spec.etcd = {version: 'latest', volumeSize: 0}
      d[0].spec.addons = {ebsCSI: {enabled: false, defaultStorageClass: true}}
      d[0].spec.topology = {type: 'public', bastion: true}
      d[0].spec.networking = {dnsDomain: 'Cluster.Local'}
      d.push({
        apiVersion: 'kforge.dev/v1alpha1',
        kind: 'InstanceGroup',
        metadata: {name: 'bastions'},
        spec: {role: 'bastion'},
      })
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.etcd.version ("latest") is not an etcd version like 3.7.0-0`,
      `${C} spec.etcd.volumeSize (0) must be between 1 and 16384 (GiB)`,
      `${C} spec.topology.bastion needs spec.topology.type: private (the bastion is the way into private subnets)`,
      `${C} spec.networking.dnsDomain ("Cluster.Local") is not a DNS name (lowercase letters, digits, '-' and '.', labels of at most 63 characters)`,
      `${C} spec.addons.ebsCSI.defaultStorageClass needs spec.addons.ebsCSI.enabled: true`,
    ])
  })
})

describe('pod network', () => {
  it.each(['calico', 'cilium', 'amazon-vpc'])(
    'refuses %s, which kforge would install only in part, and names the working default',
    (cni) => {
      const text = edited((d) => {
        d[0].spec.networking = {cni}
      })
      expect(messagesOf(text)).toEqual([
        `${C} spec.networking.cni ("${cni}") is not installed whole by this kforge (only its agent, without its CRDs and CNI install steps), so no node would turn Ready: use flannel, the default`,
      ])
    },
  )

  it('accepts flannel', () => {
    expect(
      messagesOf(
        edited((d) => {
          d[0].spec.networking = {cni: 'flannel'}
        }),
      ),
    ).toEqual([])
  })
})

describe('network rules', () => {
  it('keeps subnets inside the network CIDR', () => {
    const text = edited((d) => {
      d[0].spec.networking = {
        subnets: subnets([{name: 'd', zone: 'us-east-1a', type: 'utility', cidr: '10.1.0.0/19'}]),
      }
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.networking.subnets[3].cidr (10.1.0.0/19) is not inside spec.networking.networkCIDR (10.0.0.0/16)`,
    ])
  })

  it('keeps subnets disjoint and within AWS sizes', () => {
    const text = edited((d) => {
      d[0].spec.networking = {
        subnets: subnets([
          {name: 'd', zone: 'us-east-1a', type: 'utility', cidr: '10.0.16.0/20'},
          {name: 'e', zone: 'us-east-1b', type: 'utility', cidr: '10.0.128.0/29'},
        ]),
      }
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.networking.subnets[3].cidr (10.0.16.0/20) overlaps spec.networking.subnets[0].cidr (10.0.0.0/19)`,
      `${C} spec.networking.subnets[4].cidr (10.0.128.0/29) must be between /16 and /28 (the subnet sizes AWS allows)`,
    ])
  })

  it('needs valid CIDRs and an AWS-sized VPC', () => {
    const text = edited((d) => {
      d[0].spec.networking = {networkCIDR: '10.0.0.0/8', podCIDR: '100.96.0.1/11', serviceCIDR: 'ten'}
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.networking.networkCIDR (10.0.0.0/8) must be between /16 and /28 (the VPC sizes AWS allows)`,
      `${C} spec.networking.podCIDR ("100.96.0.1/11") has host bits set (did you mean 100.96.0.0/11?)`,
      `${C} spec.networking.serviceCIDR ("ten") is not an IPv4 CIDR like 10.0.0.0/16`,
    ])
  })

  it('keeps pod and service CIDRs off the VPC and each other', () => {
    const text = edited((d) => {
      d[0].spec.networking = {networkCIDR: '10.0.0.0/16', podCIDR: '10.0.0.0/14', serviceCIDR: '10.2.0.0/16'}
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.networking.podCIDR (10.0.0.0/14) overlaps spec.networking.networkCIDR (10.0.0.0/16)`,
      `${C} spec.networking.serviceCIDR (10.2.0.0/16) overlaps spec.networking.podCIDR (10.0.0.0/14)`,
    ])
    const sizes = edited((d) => {
      d[0].spec.networking = {podCIDR: '100.96.0.0/25', serviceCIDR: '172.0.0.0/8'}
    })
    expect(messagesOf(sizes)).toEqual([
      `${C} spec.networking.podCIDR (100.96.0.0/25) must be /24 or larger: each node takes a /24 from it`,
      `${C} spec.networking.serviceCIDR (172.0.0.0/8) must be /12 or smaller (the API server's limit)`,
    ])
  })

  it('rejects subnets in zones the cluster does not list', () => {
    const text = edited((d) => {
      d[0].spec.networking = {subnets: subnets([{name: 'd', zone: 'us-east-1d', type: 'public'}])}
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.networking.subnets[3].zone ("us-east-1d") is not in spec.cloud.aws.zones [us-east-1a, us-east-1b, us-east-1c]`,
    ])
  })

  it('checks subnet names, ids and types against the topology', () => {
    const text = edited((d) => {
      d[0].spec.networking = {
        subnets: subnets([
          {name: 'a', zone: 'us-east-1a', type: 'private', cidr: '10.0.96.0/19'},
          {name: 'Big_One', zone: 'us-east-1b', type: 'utility', id: 'subnet-12345678'},
        ]),
      }
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.networking.subnets[3].name ("a") is already used by spec.networking.subnets[0]`,
      `${C} spec.networking.subnets[3].type ("private") needs spec.topology.type: private (only it has NAT gateways)`,
      `${C} spec.networking.subnets[4].name ("Big_One") is not a DNS label (lowercase letters, digits and '-')`,
      `${C} spec.networking.subnets[4].id needs spec.cloud.aws.vpcId: an existing subnet lives in an existing VPC`,
      `${C} spec.networking.subnets[4].cidr is required for an existing subnet (subnet-12345678)`,
    ])
  })

  it('needs a utility subnet in each private zone, and room to carve subnets', () => {
    const text = edited((d) => {
      d[0].spec.topology = {type: 'private'}
      d[0].spec.networking = {
        subnets: [
          {name: 'a', zone: 'us-east-1a', type: 'private'},
          {name: 'b', zone: 'us-east-1b', type: 'private'},
          {name: 'c', zone: 'us-east-1c', type: 'private'},
          {name: 'utility-a', zone: 'us-east-1a', type: 'utility'},
          {name: 'utility-b', zone: 'us-east-1b', type: 'utility'},
        ],
      }
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.networking.subnets has no utility subnet in zone us-east-1c (its NAT gateway lives there)`,
    ])
    const full = edited((d) => {
      d[0].spec.networking = {networkCIDR: '10.0.0.0/28'}
    })
    expect(messagesOf(full)).toEqual([
      `${C} spec.networking.subnets[1].cidr could not be allocated: spec.networking.networkCIDR (10.0.0.0/28) is full`,
      `${C} spec.networking.subnets[2].cidr could not be allocated: spec.networking.networkCIDR (10.0.0.0/28) is full`,
    ])
  })
})

describe('instance group rules', () => {
  it('needs maxSize >= minSize (the example from the issue)', () => {
    const text = edited((d) => {
      d[4].spec.minSize = 3
      d[4].spec.maxSize = 2
    })
    const line = text.split('\n').indexOf('  maxSize: 2') + 1
    expect(problemsOf(text)).toEqual([
      `cluster.yaml: InstanceGroup "nodes": spec.maxSize (2) must be >= spec.minSize (3) (line ${line})`,
    ])
    expect(messagesOf(text)).toEqual([
      'cluster.yaml: InstanceGroup "nodes": spec.maxSize (2) must be >= spec.minSize (3)',
    ])
  })

  it('needs a control-plane group', () => {
    const text = edited((d) => {
      d.splice(1, 3)
    })
    expect(messagesOf(text)).toEqual([
      `${C} no InstanceGroup has spec.role: control-plane (etcd and the API server need at least one)`,
    ])
  })

  it('needs an odd control-plane size for etcd quorum', () => {
    const text = edited((d) => {
      d.splice(3, 1)
    })
    expect(messagesOf(text)).toEqual([
      `${C} control-plane size must be odd and at most 7 for etcd quorum (1, 3, 5 or 7), got 2 (one node in each of InstanceGroups "control-plane-us-east-1a", "control-plane-us-east-1b")`,
    ])
    const nine = edited((d) => {
      for (let n = 1; n <= 6; n++) {
        d.push({...d[1], metadata: {name: `control-plane-extra-${n}`}})
      }
    })
    expect(messagesOf(nine)).toEqual([
      expect.stringMatching(
        /^cluster\.yaml: Cluster "demo\.example\.com": control-plane size must be odd and at most 7 for etcd quorum \(1, 3, 5 or 7\), got 9 \(one node in each of InstanceGroups "control-plane-us-east-1a", .*"control-plane-extra-6"\)$/,
      ),
    ])
  })

  /** Why a control-plane group holds exactly one instance, as each size problem explains it. */
  const onePerNode =
    'in a control-plane group: kforge runs one group per control-plane node, so each keeps its etcd member and identity when its instance is replaced, and the first control-plane group runs `kforge init`; ' +
    'add one group per extra node instead (as create cluster does: control-plane-<zone>-1, control-plane-<zone>-2, ...)'

  it('holds each control-plane group to exactly one instance', () => {
    const text = edited((d) => {
      d[1].spec.maxSize = 3
      d[2].spec.minSize = 0
      d[2].spec.maxSize = 2
      d[3].spec.minSize = 3
      d[3].spec.maxSize = 3
    })
    const a = 'control-plane-us-east-1a'
    const b = 'control-plane-us-east-1b'
    const c = 'control-plane-us-east-1c'
    const problems = problemsOf(text)
    expect(problems.map((p) => p.replace(/ \(line \d+\)$/, ''))).toEqual([
      `${C} control-plane size must be odd and at most 7 for etcd quorum (1, 3, 5 or 7), got 4 (InstanceGroup "${a}" spec.minSize 1 + InstanceGroup "${b}" spec.minSize 0 + InstanceGroup "${c}" spec.minSize 3)`,
      `${IG(a)} spec.maxSize (3) must be 1 ${onePerNode}`,
      `${IG(b)} spec.minSize (0) must be 1 ${onePerNode}`,
      `${IG(b)} spec.maxSize (2) must be 1 ${onePerNode}`,
      // Equal sizes are one mistake, reported once at spec.minSize.
      `${IG(c)} spec.minSize (3) and spec.maxSize (3) must be 1 ${onePerNode}`,
    ])
    // Each names the line of the field at fault.
    const lines = text.split('\n')
    const lineOf = (needle: string, after: string) =>
      lines.indexOf(needle, lines.indexOf(`  name: ${after}`)) + 1
    expect(problems[1]).toMatch(new RegExp(`\\(line ${lineOf('  maxSize: 3', a)}\\)$`))
    expect(problems[2]).toMatch(new RegExp(`\\(line ${lineOf('  minSize: 0', b)}\\)$`))
    expect(problems[4]).toMatch(new RegExp(`\\(line ${lineOf('  minSize: 3', c)}\\)$`))
  })

  it('keeps each control-plane group in one subnet', () => {
    const text = edited((d) => {
      d[3].spec.zones = undefined
    })
    expect(messagesOf(text)).toEqual([
      `${IG('control-plane-us-east-1c')} spec.subnets must name exactly one subnet in a control-plane group, got 3 (us-east-1a, us-east-1b, us-east-1c); use one group per control-plane node, each in its zone's subnet`,
    ])
  })

  it('needs group subnets that exist and suit the role', () => {
    const text = edited((d) => {
      d[0].spec.topology = {type: 'private'}
      d[4].spec.subnets = ['us-east-1a', 'utility-us-east-1b', 'us-east-1z']
    })
    expect(messagesOf(text)).toEqual([
      `${IG('nodes')} spec.subnets[1] ("utility-us-east-1b") is a utility subnet; a node group in a private topology goes in private subnets`,
      `${IG('nodes')} spec.subnets[2] ("us-east-1z") is not a subnet of Cluster "demo.example.com" (subnets: us-east-1a, us-east-1b, us-east-1c, utility-us-east-1a, utility-us-east-1b, utility-us-east-1c)`,
    ])
  })

  it('resolves zones to subnets, and names zones without one', () => {
    const text = edited((d) => {
      d[1].spec.zones = ['us-east-1d']
      d[4].spec.zones = ['us-east-1a']
      d[4].spec.subnets = ['us-east-1a']
    })
    expect(messagesOf(text)).toEqual([
      `${IG('control-plane-us-east-1a')} spec.zones[0] ("us-east-1d") has no public subnet in Cluster "demo.example.com"`,
      `${IG('nodes')} spec.zones: set spec.zones or spec.subnets, not both`,
      `${IG('control-plane-us-east-1a')} spec.subnets must name at least one subnet`,
    ])
  })

  it('checks names, machine types, volumes, labels, taints and cloud labels', () => {
    const text = edited((d) => {
      d[4].metadata.name = 'Nodes'
      Object.assign(d[4].spec, {
        machineType: 'large',
        minSize: -1,
        rootVolume: {size: 4},
        nodeLabels: {'bad key!': 'x', 'example.com/tier': 'has space'},
        taints: [
          {key: 'gpu', effect: 'NoSchedule'},
          {key: 'gpu', value: 'a b', effect: 'NoSchedule'},
        ],
        cloudLabels: {'aws:owner': 'me'},
      })
    })
    const ng = IG('Nodes')
    expect(messagesOf(text)).toEqual([
      `${ng} metadata.name ("Nodes") is not a DNS label (lowercase letters, digits and '-', at most 63 characters)`,
      `${ng} spec.machineType ("large") is not an EC2 instance type like t3.medium`,
      `${ng} spec.minSize (-1) must be >= 0`,
      `${ng} spec.rootVolume.size (4) must be between 8 and 16384 (GiB)`,
      `${ng} spec.nodeLabels["bad key!"] is not a label key (name part: letters, digits, '-', '_' and '.', at most 63 characters)`,
      `${ng} spec.nodeLabels["example.com/tier"] ("has space") is not a label value (letters, digits, '-', '_' and '.', at most 63 characters)`,
      `${ng} spec.taints[1].value ("a b") is not a label value (letters, digits, '-', '_' and '.', at most 63 characters)`,
      `${ng} spec.taints[1] repeats key "gpu" with effect NoSchedule`,
      `${ng} spec.cloudLabels["aws:owner"] uses the prefix "aws:", which AWS reserves`,
    ])
  })

  it('keeps cloud labels off the tags kforge and AWS own, within AWS tag rules', () => {
    const text = edited((d) => {
      d[4].spec.cloudLabels = {
        KubernetesCluster: 'other.example.com',
        'kubernetes.io/cluster/other.example.com': 'owned',
        'kforge.dev/resource': 'vpc',
        'AWS:created-by': 'me',
        'team\nname': 'a',
        owner: 'line\nbreak',
        [`k${'x'.repeat(128)}`]: 'long',
        'cost-center': '42',
        'example.com/contact': 'ops@example.com',
      }
    })
    const ng = IG('nodes')
    expect(messagesOf(text)).toEqual([
      `${ng} spec.cloudLabels.KubernetesCluster is set by kforge (the cluster a resource belongs to)`,
      `${ng} spec.cloudLabels["kubernetes.io/cluster/other.example.com"] is set by kforge (which cluster owns or shares a resource)`,
      `${ng} spec.cloudLabels["kforge.dev/resource"] uses the prefix "kforge.dev/", which kforge keeps for itself`,
      `${ng} spec.cloudLabels["AWS:created-by"] uses the prefix "aws:", which AWS reserves`,
      `${ng} spec.cloudLabels["team\\nname"] has a character AWS tags refuse (letters, digits, spaces and _ . : / = + - @)`,
      `${ng} spec.cloudLabels.owner ("line\\nbreak") has a character AWS tags refuse (letters, digits, spaces and _ . : / = + - @)`,
      `${ng} spec.cloudLabels.k${'x'.repeat(128)} must be 1 to 128 characters (an AWS tag key)`,
    ])
  })

  it('keeps every group within 50 tags, counting what kforge adds', () => {
    const text = edited((d) => {
      d[4].spec.nodeLabels = {tier: 'web', zone: 'a'}
      d[4].spec.cloudLabels = Object.fromEntries(Array.from({length: 40}, (_, i) => [`label-${i}`, 'x']))
    })
    // kforge's 8 on the group and its instances and the termination hook's record on the group;
    // three node templates: the two labels and kforge.dev/instancegroup, which every node carries.
    expect(messagesOf(text)).toEqual([
      `${IG('nodes')} spec.cloudLabels would give the group 52 tags (kforge's 9, 3 cluster-autoscaler node templates for the nodes' labels and taints, 40 cloud labels); AWS allows 50 per resource`,
    ])
    const fits = edited((d) => {
      d[4].spec.nodeLabels = {tier: 'web', zone: 'a'}
      d[4].spec.cloudLabels = Object.fromEntries(Array.from({length: 38}, (_, i) => [`label-${i}`, 'x']))
    })
    expect(messagesOf(fits)).toEqual([])
  })

  it('pairs bastion groups with spec.topology.bastion', () => {
    const noGroup = edited((d) => {
      d[0].spec.topology = {type: 'private', bastion: true}
    })
    expect(messagesOf(noGroup)).toEqual([
      `${C} spec.topology.bastion is true but no InstanceGroup has spec.role: bastion`,
    ])
    const noFlag = edited((d) => {
      d[0].spec.topology = {type: 'private'}
      d.push({
        apiVersion: 'kforge.dev/v1alpha1',
        kind: 'InstanceGroup',
        metadata: {name: 'bastions'},
        spec: {role: 'bastion'},
      })
    })
    expect(messagesOf(noFlag)).toEqual([
      `${IG('bastions')} spec.role (bastion) needs spec.topology.bastion: true in Cluster "demo.example.com"`,
    ])
  })

  it('reports every problem in one pass, across documents', () => {
    const text = edited((d) => {
      d[0].spec.kubernetesVersion = 'v1.40.0'
      d[0].spec.api = {access: ['nope']}
      d[4].spec.maxSize = 1
    })
    expect(messagesOf(text)).toEqual([
      `${C} spec.kubernetesVersion (v1.40.0) is not supported (supported: v1.35 to v1.37)`,
      `${C} spec.api.access[0] ("nope") is not an IPv4 CIDR like 10.0.0.0/16`,
      `${IG('nodes')} spec.maxSize (1) must be >= spec.minSize (3)`,
    ])
  })

  it('loads the fixture as the defaults describe', () => {
    expect(problemsOf(fixture('minimal-ha.yaml'))).toEqual([])
  })
})

/** A complete, valid mirror: every artifact with a path and a lowercase SHA-256. */
const sum = (c: string) => c.repeat(64)
const validMirror = () => ({
  baseUrl: 'https://mirror.example.com/kforge',
  kubelet: {path: 'kubernetes/v1.37.2/amd64/kubelet', sha256: sum('1')},
  kubectl: {path: 'kubernetes/v1.37.2/amd64/kubectl', sha256: sum('2')},
  containerd: {path: 'containerd-1.7.27-linux-amd64.tar.gz', sha256: sum('3')},
  runc: {path: 'runc.amd64', sha256: sum('4')},
  cniPlugins: {path: 'cni-plugins-linux-amd64-v1.6.2.tgz', sha256: sum('5')},
  nodejs: {path: 'node-v22.12.0-linux-x64.tar.gz', sha256: sum('6')},
})

describe('mirror rules', () => {
  it('accepts an https:// or s3:// mirror with every artifact checked', () => {
    for (const baseUrl of ['https://mirror.example.com/kforge', 's3://my-mirror', 's3://my.mirror/a/b/']) {
      const text = edited((d) => {
        d[0].spec.mirror = {...validMirror(), baseUrl}
      })
      expect(problemsOf(text)).toEqual([])
    }
  })

  it('needs an https:// or s3:// base URL', () => {
    for (const baseUrl of [
      'http://mirror.example.com',
      'ftp://mirror.example.com',
      'mirror.example.com',
      's3://A_Bucket',
      's3://',
      'https://',
    ]) {
      const text = edited((d) => {
        d[0].spec.mirror = {...validMirror(), baseUrl}
      })
      expect(messagesOf(text)).toEqual([
        `${C} spec.mirror.baseUrl ("${baseUrl}") must be an https:// URL or an s3://bucket/prefix location`,
      ])
    }
  })

  it('needs each artifact sha256 as 64 lowercase hex digits, and a plain path', () => {
    const text = edited((d) => {
      const m = validMirror()
      m.kubelet.sha256 = sum('A')
      m.runc.sha256 = 'abc123'
      m.nodejs.sha256 = `sha256:${sum('6')}`
      m.cniPlugins.path = ''
      m.containerd.path = 'https://elsewhere.example.com/containerd.tgz'
      d[0].spec.mirror = m
    })
    const why = 'is not a SHA-256: 64 lowercase hex digits, as sha256sum prints them'
    expect(messagesOf(text)).toEqual([
      `${C} spec.mirror.kubelet.sha256 ("${sum('A')}") ${why}`,
      `${C} spec.mirror.containerd.path ("https://elsewhere.example.com/containerd.tgz") must be a path under spec.mirror.baseUrl, without spaces or quotes (like kubernetes/v1.37.2/amd64/containerd)`,
      `${C} spec.mirror.runc.sha256 ("abc123") ${why}`,
      `${C} spec.mirror.cniPlugins.path ("") must be a path under spec.mirror.baseUrl, without spaces or quotes (like kubernetes/v1.37.2/amd64/cniPlugins)`,
      `${C} spec.mirror.nodejs.sha256 ("sha256:${sum('6')}") ${why}`,
    ])
    const line = text.split('\n').indexOf(`      sha256: ${sum('A')}`) + 1
    expect(problemsOf(text)[0]).toMatch(new RegExp(`\\(line ${line}\\)$`))
  })
})

describe('additionalCloudConfig rules', () => {
  const withFragment = (fragment: string) =>
    edited((d) => {
      d[4].spec.additionalCloudConfig = fragment
    })

  it('accepts a mapping, with or without a #cloud-config line, and a fragment of only comments', () => {
    for (const fragment of [
      'packages: [jq]\n',
      '#cloud-config\nntp:\n  enabled: true\n',
      '# nothing yet\n',
      '',
    ]) {
      expect(problemsOf(withFragment(fragment))).toEqual([])
    }
  })

  it('needs valid YAML, naming the line of the fragment and of the field', () => {
    const text = withFragment('#cloud-config\npackages:\n  - jq\n users: []\n')
    const line = text.split('\n').findIndex((l) => l.startsWith('  additionalCloudConfig:')) + 1
    expect(problemsOf(text)).toEqual([
      `${IG('nodes')} spec.additionalCloudConfig is not valid YAML: line 4 of the fragment: All mapping items must start at the same column (line ${line})`,
    ])
    expect(messagesOf(withFragment('packages: [jq]\n---\nusers: []\n'))).toEqual([
      `${IG('nodes')} spec.additionalCloudConfig is not valid YAML: line 2 of the fragment: holds more than one YAML document (a "---" line); write one mapping`,
    ])
    expect(messagesOf(withFragment('ntp: 1\nntp: 2\n'))).toEqual([
      `${IG('nodes')} spec.additionalCloudConfig is not valid YAML: line 2 of the fragment: Map keys must be unique`,
    ])
  })

  it('needs a mapping of cloud-config keys', () => {
    expect(messagesOf(withFragment('- jq\n- curl\n'))).toEqual([
      `${IG('nodes')} spec.additionalCloudConfig must be a YAML mapping of cloud-config keys (like "packages: [jq]"), got a list`,
    ])
    expect(messagesOf(withFragment('install jq please'))).toEqual([
      `${IG('nodes')} spec.additionalCloudConfig must be a YAML mapping of cloud-config keys (like "packages: [jq]"), got string "install jq please"`,
    ])
  })
})
