/**
 * Semantic validation of a defaulted Cluster. Every rule reports into `problems` and carries on,
 * so the user sees all of them at once. Shape (unknown fields, types, enums) was checked earlier.
 */
import {cidrProblem} from '../cidr.js'
import {AWS_ID, DNS_NAME_RULE, isDnsName} from '../names.js'
import type {Problems, Subject} from '../problems.js'
import {checkKubernetesVersion} from '../versions.js'
import {incompleteCni} from './cni.js'
import {regionOfZone} from './defaults.js'
import {etcdBackupProblems} from './etcd-backups.js'
import type {Cluster} from './types.js'
import {validateMirror} from './validate-boot.js'
import {checkImage, checkLabels, validateGroups} from './validate-groups.js'
import {validateIdentity} from './validate-identity.js'
import {validateNetwork} from './validate-network.js'

export function validateCluster(cluster: Cluster, problems: Problems): void {
  validateClusterFields(cluster, problems)
  validateNetwork(cluster, problems)
  validateGroups(cluster, problems)
}

function validateClusterFields(cluster: Cluster, problems: Problems): void {
  const c: Subject = {kind: 'Cluster', name: cluster.name}
  const s = cluster.spec
  const aws = s.cloud.aws
  if (!isDnsName(cluster.name))
    problems.field(c, ['metadata', 'name'], `("${cluster.name}") is not a DNS name (${DNS_NAME_RULE})`)
  if (cluster.labels) checkLabels(cluster.labels, ['metadata', 'labels'], c, problems)

  const versionProblem = checkKubernetesVersion(s.kubernetesVersion)
  if (versionProblem) problems.field(c, ['spec', 'kubernetesVersion'], versionProblem)
  if (!/^\d+\.\d+\.\d+(-\d+)?$/.test(s.etcd.version)) {
    problems.field(
      c,
      ['spec', 'etcd', 'version'],
      `("${s.etcd.version}") is not an etcd version like 3.7.0-0`,
    )
  }
  if (s.etcd.volumeSize < 1 || s.etcd.volumeSize > 16384) {
    problems.field(
      c,
      ['spec', 'etcd', 'volumeSize'],
      `(${s.etcd.volumeSize}) must be between 1 and 16384 (GiB)`,
    )
  }

  for (const p of etcdBackupProblems(s.etcd.backups))
    problems.field(c, ['spec', 'etcd', 'backups', ...p.path], p.message)

  const cloud = ['spec', 'cloud', 'aws'] as const
  if (!AWS_ID.region.test(aws.region)) {
    problems.field(c, [...cloud, 'region'], `("${aws.region}") is not an AWS region like us-east-1`)
  }
  if (aws.zones.length === 0)
    problems.field(c, [...cloud, 'zones'], 'must list at least one availability zone')
  aws.zones.forEach((zone, i) => {
    if (aws.zones.indexOf(zone) !== i)
      problems.field(c, [...cloud, 'zones', i], `("${zone}") is listed twice`)
    else if (!/^[a-z0-9-]+[a-z]$/.test(zone) || regionOfZone(zone) === undefined) {
      problems.field(c, [...cloud, 'zones', i], `("${zone}") is not an availability zone like us-east-1a`)
    } else if (regionOfZone(zone) !== aws.region) {
      problems.field(c, [...cloud, 'zones', i], `("${zone}") is not in region ${aws.region}`)
    }
  })
  if (aws.vpcId !== undefined && !AWS_ID.vpc.test(aws.vpcId)) {
    problems.field(c, [...cloud, 'vpcId'], `("${aws.vpcId}") is not a VPC id like vpc-0123456789abcdef0`)
  }
  if (aws.kmsKeyArn !== undefined && !AWS_ID.kmsKey.test(aws.kmsKeyArn)) {
    problems.field(
      c,
      [...cloud, 'kmsKeyArn'],
      `("${aws.kmsKeyArn}") is not a KMS key ARN like arn:aws:kms:us-east-1:111122223333:key/<id>`,
    )
  }
  checkImage(aws.image, [...cloud, 'image'], c, problems)
  if (aws.sshKey) {
    const {publicKey, name} = aws.sshKey
    if ((publicKey === undefined) === (name === undefined)) {
      problems.field(c, [...cloud, 'sshKey'], 'must set exactly one of publicKey or name')
    } else if (publicKey !== undefined && !AWS_ID.sshPublicKey.test(publicKey.trim())) {
      problems.field(
        c,
        [...cloud, 'sshKey', 'publicKey'],
        'is not an OpenSSH public key (ssh-ed25519, ssh-rsa or ecdsa-sha2-* followed by base64)',
      )
    }
  }

  if (s.topology.bastion && s.topology.type !== 'private') {
    problems.field(
      c,
      ['spec', 'topology', 'bastion'],
      'needs spec.topology.type: private (the bastion is the way into private subnets)',
    )
  }
  const cniProblem = incompleteCni(s.networking.cni)
  if (cniProblem) problems.field(c, ['spec', 'networking', 'cni'], cniProblem)
  if (!isDnsName(s.networking.dnsDomain)) {
    problems.field(
      c,
      ['spec', 'networking', 'dnsDomain'],
      `("${s.networking.dnsDomain}") is not a DNS name (${DNS_NAME_RULE})`,
    )
  }

  const api = ['spec', 'api'] as const
  if (s.api.access.length === 0)
    problems.field(c, [...api, 'access'], 'must allow at least one CIDR (0.0.0.0/0 for anywhere)')
  s.api.access.forEach((cidr, i) => {
    const problem = cidrProblem(cidr)
    if (problem) problems.field(c, [...api, 'access', i], `("${cidr}") ${problem}`)
  })
  // A restricted API behind an internet-facing load balancer must still let the cluster's own
  // instances in. Behind NAT (private topology) they arrive from the NAT addresses, which kforge
  // allows; with public addresses of their own (public topology) no rule can name them.
  const world = s.api.access.some((cidr) => cidr === '0.0.0.0/0' || cidr === '::/0')
  const stated = s.api.access.length > 0 && s.api.access.every((cidr) => !cidrProblem(cidr))
  if (
    stated &&
    !world &&
    s.api.endpoint === 'loadBalancer' &&
    s.dns.type !== 'private' &&
    s.topology.type === 'public'
  ) {
    problems.field(
      c,
      [...api, 'access'],
      "restricts an internet-facing load balancer that the cluster's own instances reach from their public addresses (public topology), which no rule can name: use spec.topology.type private (they arrive from NAT addresses kforge lets in), spec.dns.type private (an internal load balancer), or allow 0.0.0.0/0",
    )
  }
  s.sshAccess.forEach((cidr, i) => {
    const problem = cidrProblem(cidr)
    if (problem) problems.field(c, ['spec', 'sshAccess', i], `("${cidr}") ${problem}`)
  })
  if (!isDnsName(s.api.dnsName))
    problems.field(c, [...api, 'dnsName'], `("${s.api.dnsName}") is not a DNS name (${DNS_NAME_RULE})`)
  if (s.api.port < 1 || s.api.port > 65535)
    problems.field(c, [...api, 'port'], `(${s.api.port}) must be between 1 and 65535`)

  if (s.dns.type !== 'none') {
    if (s.dns.zone === '') {
      problems.field(
        c,
        ['spec', 'dns', 'zone'],
        `must be set: metadata.name ("${cluster.name}") has no parent domain to default to`,
      )
    } else if (!isDnsName(s.dns.zone)) {
      problems.field(c, ['spec', 'dns', 'zone'], `("${s.dns.zone}") is not a DNS name (${DNS_NAME_RULE})`)
    } else if (isDnsName(s.api.dnsName) && !s.api.dnsName.endsWith(`.${s.dns.zone}`)) {
      problems.field(
        c,
        [...api, 'dnsName'],
        `("${s.api.dnsName}") is not inside spec.dns.zone (${s.dns.zone})`,
      )
    }
  }
  if (s.addons.ebsCSI.defaultStorageClass && !s.addons.ebsCSI.enabled) {
    problems.field(
      c,
      ['spec', 'addons', 'ebsCSI', 'defaultStorageClass'],
      'needs spec.addons.ebsCSI.enabled: true',
    )
  }
  if (s.mirror) validateMirror(s.mirror, c, problems)
  validateIdentity(cluster, problems)
}
