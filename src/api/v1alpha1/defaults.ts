/**
 * Defaults: input documents → a complete `Cluster` with every field set. Pure and total: values
 * it cannot derive (a subnet CIDR when the network CIDR is invalid) are left empty for
 * validation to report, so one pass finds every problem.
 */
import {allocate, type Cidr, cidrProblem, formatCidr, parseCidr} from '../cidr.js'
import type {Problems} from '../problems.js'
import {DEFAULT_KUBERNETES_VERSION, etcdVersionFor, parseVersion} from '../versions.js'
import {CLUSTER_LABEL, type SpecInput} from './documents.js'
import {
  DEFAULT_BACKUP_RETENTION,
  DEFAULT_BACKUP_SCHEDULE,
  DEFAULT_BACKUP_STALE_AFTER,
} from './etcd-backups.js'
import {identityDefaults} from './identity.js'
import {
  type AddonsSpec,
  type Cluster,
  type ClusterSpec,
  copyMirror,
  type ImageSpec,
  type InstanceGroup,
  type InstanceGroupDocument,
  type InstanceGroupRole,
  type MixedInstancesPolicy,
  type MixedInstancesPolicySpecInput,
  type SubnetSpec,
  type SubnetType,
  type TopologyType,
} from './types.js'

export const DEFAULT_NETWORK_CIDR = '10.0.0.0/16'
export const DEFAULT_POD_CIDR = '100.96.0.0/11'
export const DEFAULT_SERVICE_CIDR = '100.64.0.0/13'
/** Canonical's account; newest Ubuntu 24.04 amd64 image on gp3. */
export const DEFAULT_IMAGE: ImageSpec = {
  lookup: {owner: '099720109477', namePattern: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'},
}

const REGION_OF_ZONE = /^([a-z]{2}(?:-[a-z]+)+-\d+)/

/** `us-east-1a` → `us-east-1`; local zones too (`us-east-1-bos-1a` → `us-east-1`). */
export function regionOfZone(zone: string): string | undefined {
  return REGION_OF_ZONE.exec(zone)?.[1]
}

/** The subnet type an instance group of `role` lives in, by topology. */
export function subnetTypeFor(role: InstanceGroupRole, topology: TopologyType): SubnetType {
  if (role === 'bastion') return topology === 'private' ? 'utility' : 'public'
  return topology === 'private' ? 'private' : 'public'
}

/** Public topology: one public subnet per zone. Private: one private and one utility per zone. */
export function defaultSubnets(zones: readonly string[], topology: TopologyType): SubnetSpec[] {
  if (topology === 'public') return zones.map((zone) => ({name: zone, zone, type: 'public'}))
  return [
    ...zones.map((zone): SubnetSpec => ({name: zone, zone, type: 'private'})),
    ...zones.map((zone): SubnetSpec => ({name: `utility-${zone}`, zone, type: 'utility'})),
  ]
}

/**
 * Give every subnet without a CIDR the first free block of the network: /(N+3) for public and
 * private subnets (eight fit), /(N+6) for utility subnets (they hold only NAT gateways and load
 * balancers), within AWS's /16../28. Existing subnets (with an id) are not carved: their
 * CIDR comes from AWS, and is left empty here for validation to ask for.
 */
export function carveSubnets(
  networkCIDR: string,
  subnets: readonly SubnetSpec[],
): Array<SubnetSpec & {cidr: string}> {
  const out = subnets.map((s) => ({...s, cidr: s.cidr ?? ''}))
  if (cidrProblem(networkCIDR)) return out
  const network = parseCidr(networkCIDR)
  const taken: Cidr[] = out.filter((s) => s.cidr !== '' && !cidrProblem(s.cidr)).map((s) => parseCidr(s.cidr))
  const pass = (utility: boolean) => {
    const prefix = Math.min(Math.max(network.prefix + (utility ? 6 : 3), 16), 28)
    for (const s of out) {
      if (s.cidr !== '' || s.id !== undefined || (s.type === 'utility') !== utility) continue
      const block = allocate(network, prefix, taken)
      if (!block) continue
      taken.push(block)
      s.cidr = formatCidr(block)
    }
  }
  pass(false)
  pass(true)
  return out
}

export function applyDefaults(input: SpecInput, problems?: Problems): Cluster {
  const doc = input.cluster
  const name = doc.metadata.name
  const s = doc.spec
  const aws = s.cloud.aws
  const zones = aws.zones
  const topology = {type: s.topology?.type ?? 'public', bastion: s.topology?.bastion ?? false}
  const version = s.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION
  const net = s.networking ?? {}
  const networkCIDR = net.networkCIDR ?? DEFAULT_NETWORK_CIDR
  const dnsType = s.dns?.type ?? 'public'
  const parentDomain = name.includes('.') ? name.slice(name.indexOf('.') + 1) : ''
  const addons = s.addons ?? {}
  const ebsEnabled = addons.ebsCSI?.enabled ?? true
  const spec: ClusterSpec = {
    kubernetesVersion: version,
    cloud: {
      provider: 'aws',
      aws: {
        region: aws.region ?? regionOfZone(zones[0] ?? '') ?? '',
        zones,
        ...(aws.vpcId === undefined ? {} : {vpcId: aws.vpcId}),
        ...(aws.kmsKeyArn === undefined ? {} : {kmsKeyArn: aws.kmsKeyArn}),
        image: aws.image ?? DEFAULT_IMAGE,
        ...(aws.sshKey === undefined ? {} : {sshKey: aws.sshKey}),
      },
    },
    networking: {
      networkCIDR,
      subnets: carveSubnets(networkCIDR, net.subnets ?? defaultSubnets(zones, topology.type)),
      podCIDR: net.podCIDR ?? DEFAULT_POD_CIDR,
      serviceCIDR: net.serviceCIDR ?? DEFAULT_SERVICE_CIDR,
      dnsDomain: net.dnsDomain ?? 'cluster.local',
      cni: net.cni ?? 'flannel',
    },
    topology,
    api: {
      access: s.api?.access ?? ['0.0.0.0/0'],
      dnsName: s.api?.dnsName ?? `api.${name}`,
      endpoint: s.api?.endpoint ?? 'loadBalancer',
      port: s.api?.port ?? 6443,
    },
    sshAccess: s.sshAccess ?? [],
    dns: {zone: s.dns?.zone ?? (dnsType === 'none' ? '' : parentDomain), type: dnsType},
    etcd: {
      version: s.etcd?.version ?? etcdVersionFor(parseVersion(version) ?? DEFAULT_KUBERNETES_VERSION),
      volumeSize: s.etcd?.volumeSize ?? 20,
      backups: {
        enabled: s.etcd?.backups?.enabled ?? true,
        schedule: s.etcd?.backups?.schedule ?? DEFAULT_BACKUP_SCHEDULE,
        retention: {...DEFAULT_BACKUP_RETENTION, ...s.etcd?.backups?.retention},
        staleAfter: s.etcd?.backups?.staleAfter ?? DEFAULT_BACKUP_STALE_AFTER,
      },
    },
    addons: {
      cloudControllerManager: {enabled: addons.cloudControllerManager?.enabled ?? true},
      coreDNS: {enabled: addons.coreDNS?.enabled ?? true},
      kubeProxy: {enabled: addons.kubeProxy?.enabled ?? true},
      ebsCSI: {enabled: ebsEnabled, defaultStorageClass: addons.ebsCSI?.defaultStorageClass ?? ebsEnabled},
      dashboard: {enabled: addons.dashboard?.enabled ?? false},
    } satisfies AddonsSpec,
    selfHosted: s.selfHosted ?? false,
    // No default mirror: without one, instances use the public package repositories.
    ...(s.mirror === undefined ? {} : {mirror: copyMirror(s.mirror)}),
    ...identityDefaults(s),
  }
  return {
    name,
    spec,
    instanceGroups: input.instanceGroups.map((ig) => defaultGroup(ig, name, spec, problems)),
    ...(doc.metadata.labels === undefined ? {} : {labels: doc.metadata.labels}),
  }
}

const MACHINE: Record<InstanceGroupRole, string> = {
  'control-plane': 't3.medium',
  node: 't3.medium',
  bastion: 't3.micro',
}
const MIN_SIZE: Record<InstanceGroupRole, number> = {'control-plane': 1, node: 2, bastion: 1}
const VOLUME: Record<InstanceGroupRole, number> = {'control-plane': 64, node: 128, bastion: 16}

function defaultGroup(
  doc: InstanceGroupDocument,
  cluster: string,
  spec: ClusterSpec,
  problems?: Problems,
): InstanceGroup {
  const s = doc.spec
  const role = s.role
  const type = subnetTypeFor(role, spec.topology.type)
  const ofType = spec.networking.subnets.filter((sub) => sub.type === type)
  let subnets = s.subnets
  if (subnets && s.zones) {
    problems?.fieldError(
      {kind: 'InstanceGroup', name: doc.metadata.name},
      ['spec', 'zones'],
      'set spec.zones or spec.subnets, not both',
    )
  } else if (s.zones) {
    subnets = []
    s.zones.forEach((zone, i) => {
      const inZone = ofType.filter((sub) => sub.zone === zone)
      if (inZone.length === 0) {
        problems?.field(
          {kind: 'InstanceGroup', name: doc.metadata.name},
          ['spec', 'zones', i],
          `("${zone}") has no ${type} subnet in Cluster "${cluster}"`,
        )
      }
      subnets!.push(...inZone.map((sub) => sub.name))
    })
  }
  const minSize = s.minSize ?? MIN_SIZE[role]
  return {
    name: doc.metadata.name,
    spec: {
      role,
      machineType: s.machineType ?? MACHINE[role],
      minSize,
      maxSize: s.maxSize ?? minSize,
      subnets: subnets ?? ofType.map((sub) => sub.name),
      ...(s.image === undefined ? {} : {image: s.image}),
      rootVolume: {size: s.rootVolume?.size ?? VOLUME[role], type: s.rootVolume?.type ?? 'gp3'},
      nodeLabels: s.nodeLabels ?? {},
      taints: s.taints ?? [],
      cloudLabels: s.cloudLabels ?? {},
      ...(s.additionalCloudConfig === undefined ? {} : {additionalCloudConfig: s.additionalCloudConfig}),
      instanceMetadata: {
        httpPutResponseHopLimit: s.instanceMetadata?.httpPutResponseHopLimit ?? 1,
        httpTokens: s.instanceMetadata?.httpTokens ?? 'required',
      },
      ...(s.mixedInstancesPolicy === undefined
        ? {}
        : {mixedInstancesPolicy: defaultMixedInstances(s.mixedInstancesPolicy)}),
      ...(s.maxPrice === undefined ? {} : {maxPrice: s.maxPrice}),
    },
    labels: {[CLUSTER_LABEL]: cluster, ...doc.metadata.labels},
  }
}

/** AWS's own defaults, written out so the plan compares like with like; pools only where AWS uses them. */
export function defaultMixedInstances(p: MixedInstancesPolicySpecInput): MixedInstancesPolicy {
  const spot = p.spotAllocationStrategy ?? 'price-capacity-optimized'
  return {
    instances: [...p.instances],
    onDemandBase: p.onDemandBase ?? 0,
    onDemandAboveBase: p.onDemandAboveBase ?? 100,
    onDemandAllocationStrategy: p.onDemandAllocationStrategy ?? 'prioritized',
    spotAllocationStrategy: spot,
    ...(spot === 'lowest-price' || p.spotInstancePools !== undefined
      ? {spotInstancePools: p.spotInstancePools ?? 2}
      : {}),
  }
}
