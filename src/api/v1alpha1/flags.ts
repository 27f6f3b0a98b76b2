/**
 * `kforge create cluster NAME --zones ...` flags → spec input. The layout it chooses:
 *  - control plane: 1 node for one zone, 3 for more, dealt round-robin over the zones in order
 *    (3 over 2 zones → 2 + 1; 3 over 6 zones → the first three zones get one each). One group of
 *    exactly one instance per node, as kops does, so each Auto Scaling group replaces its instance
 *    in place and the node keeps its etcd member and identity: `control-plane-<zone>` when the
 *    zone has one node, `control-plane-<zone>-<n>` (n from 1) when it has several. The first group
 *    is the one whose instance runs `kforge init`;
 *  - nodes: one `nodes` group over every zone's node subnet (the ASG spreads them),
 *    max(2, number of zones) nodes;
 *  - bastion (private topology): one `bastions` group of 1 in the utility subnets.
 * The result goes through the same defaults and validation as a spec file.
 */
import {KforgeError} from '../../util/errors.js'
import type {SpecInput} from './documents.js'
import {completeCluster} from './index.js'
import {
  API_VERSION,
  type Cluster,
  type ClusterSpecInput,
  type ImageSpec,
  type InstanceGroupDocument,
  type InstanceGroupSpecInput,
  type SubnetSpec,
  type TopologyType,
} from './types.js'

/** A VPC the user brings, as AWS describes it (see specs/existing-network.ts). */
export interface ExistingNetwork {
  vpcId: string
  networkCIDR: string
  /** In the order the user listed them; `utility` only in a private topology. */
  subnets: Array<{id: string; zone: string; cidr: string; type: SubnetSpec['type']}>
}

export interface CreateClusterOptions {
  name: string
  zones: string[]
  /** Default: 1 for one zone, 3 for more. */
  controlPlaneCount?: number
  /** Default: max(2, zones). */
  nodeCount?: number
  controlPlaneSize?: string
  nodeSize?: string
  kubernetesVersion?: string
  dnsZone?: string
  networkCIDR?: string
  topology?: TopologyType
  bastion?: boolean
  apiAccess?: string[]
  /** Default: none (SSH closed). */
  sshAccess?: string[]
  /** The public key's text (the command reads the file). */
  sshPublicKey?: string
  kmsKeyArn?: string
  /** `ami-…`, or `OWNER/NAME-PATTERN` for the newest matching image (kops's --image form). */
  image?: string
  existing?: ExistingNetwork
}

/** `--image`: an AMI id, or `OWNER/NAME-PATTERN` (owner an account id or alias such as `amazon`). */
export function imageFromFlag(value: string): ImageSpec {
  if (/^ami-[0-9a-f]{8,17}$/.test(value)) return {id: value}
  const slash = value.indexOf('/')
  if (slash <= 0 || slash === value.length - 1) {
    throw new KforgeError(
      `--image "${value}": expected an AMI id (ami-0123456789abcdef0) or OWNER/NAME-PATTERN ` +
        '(099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*)',
    )
  }
  return {lookup: {owner: value.slice(0, slash), namePattern: value.slice(slash + 1)}}
}

/** Split `count` nodes over `zones` round-robin; zones that get none are left out. */
export function spreadOverZones(
  count: number,
  zones: readonly string[],
): Array<{zone: string; size: number}> {
  return zones
    .map((zone, i) => ({zone, size: Math.floor(count / zones.length) + (i < count % zones.length ? 1 : 0)}))
    .filter((z) => z.size > 0)
}

/** `control-plane-<zone>` for a zone's only node; `control-plane-<zone>-1..n` for several. */
export function controlPlaneGroupNames(zone: string, count: number): string[] {
  if (count === 1) return [`control-plane-${zone}`]
  return Array.from({length: count}, (_, i) => `control-plane-${zone}-${i + 1}`)
}

function group(name: string, cluster: string, spec: InstanceGroupSpecInput): InstanceGroupDocument {
  return {
    apiVersion: API_VERSION,
    kind: 'InstanceGroup',
    metadata: {name, labels: {'kforge.dev/cluster': cluster}},
    spec,
  }
}

function subnetName(zone: string, type: SubnetSpec['type'], taken: Set<string>): string {
  const base = type === 'utility' ? `utility-${zone}` : zone
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`
  taken.add(name)
  return name
}

export function inputFromOptions(o: CreateClusterOptions): SpecInput {
  const topology = o.topology ?? 'public'
  const existing = o.existing
  const taken = new Set<string>()
  const spec: ClusterSpecInput = {
    ...(o.kubernetesVersion === undefined ? {} : {kubernetesVersion: o.kubernetesVersion}),
    cloud: {
      provider: 'aws',
      aws: {
        zones: o.zones,
        ...(existing ? {vpcId: existing.vpcId} : {}),
        ...(o.kmsKeyArn === undefined ? {} : {kmsKeyArn: o.kmsKeyArn}),
        ...(o.image === undefined ? {} : {image: imageFromFlag(o.image)}),
        ...(o.sshPublicKey === undefined ? {} : {sshKey: {publicKey: o.sshPublicKey.trim()}}),
      },
    },
    networking: {
      ...(existing
        ? {
            networkCIDR: existing.networkCIDR,
            subnets: existing.subnets.map((s) => ({name: subnetName(s.zone, s.type, taken), ...s})),
          }
        : o.networkCIDR === undefined
          ? {}
          : {networkCIDR: o.networkCIDR}),
    },
    topology: {type: topology, bastion: o.bastion ?? false},
    ...(o.apiAccess === undefined ? {} : {api: {access: o.apiAccess}}),
    ...(o.sshAccess === undefined ? {} : {sshAccess: o.sshAccess}),
    ...(o.dnsZone === undefined ? {} : {dns: {zone: o.dnsZone}}),
  }
  const controlPlane = spreadOverZones(o.controlPlaneCount ?? (o.zones.length > 1 ? 3 : 1), o.zones)
  const size = (machineType: string | undefined) => (machineType === undefined ? {} : {machineType})
  const groups = [
    ...controlPlane.flatMap(({zone, size: n}) =>
      controlPlaneGroupNames(zone, n).map((name) =>
        group(name, o.name, {
          role: 'control-plane',
          ...size(o.controlPlaneSize),
          minSize: 1,
          maxSize: 1,
          zones: [zone],
        }),
      ),
    ),
    group('nodes', o.name, {
      role: 'node',
      ...size(o.nodeSize),
      minSize: o.nodeCount ?? Math.max(2, o.zones.length),
      maxSize: o.nodeCount ?? Math.max(2, o.zones.length),
    }),
    ...(o.bastion ? [group('bastions', o.name, {role: 'bastion', minSize: 1, maxSize: 1})] : []),
  ]
  return {
    cluster: {apiVersion: API_VERSION, kind: 'Cluster', metadata: {name: o.name}, spec},
    instanceGroups: groups,
  }
}

/** The complete, validated cluster the flags describe (ValidationError otherwise). */
export function clusterFromOptions(o: CreateClusterOptions): Cluster {
  return completeCluster(inputFromOptions(o))
}
