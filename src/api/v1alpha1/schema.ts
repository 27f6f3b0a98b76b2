/**
 * The shape of every kforge.dev/v1alpha1 object: which fields exist, their types and allowed
 * values. It is the one source of the spec's structure: the shape check (documents.ts) reads it,
 * the JSON Schema (schema/kforge.dev_v1alpha1.json, `kforgeJsonSchema`) is generated from it, and
 * the TypeScript types in types.ts are checked against it at compile time (shape-types.ts).
 * Semantic rules (CIDRs, quorum, names) live in validate*.ts; the schema carries what a shape can.
 */
import {
  bool,
  described,
  int,
  type JsonSchema,
  jsonSchemaOf,
  listOf,
  obj,
  oneOf,
  type Shape,
  str,
  stringMap,
  strings,
} from '../shape.js'
import {API_VERSION, MIRROR_ARTIFACTS, type MirrorArtifactName} from './types.js'

/** One field per mirrored artifact, each of shape `s`. */
function artifactFields<S extends Shape>(s: S): Record<MirrorArtifactName, S> {
  return Object.fromEntries(MIRROR_ARTIFACTS.map((name) => [name, s])) as Record<MirrorArtifactName, S>
}

/** A file on the mirror; both fields are required (an unchecked download is no download). */
const artifact = obj({path: str, sha256: str}, ['path', 'sha256'])
const mirror = obj({baseUrl: str, ...artifactFields(artifact)}, ['baseUrl', ...MIRROR_ARTIFACTS])
/** A cloud-config fragment is YAML text inside YAML: a block string, not a nested mapping. */
const cloudConfigFragment = {
  type: 'string',
  hint: 'write the cloud-config as a block string: "additionalCloudConfig: |" with the fragment indented below it',
} as const

/**
 * `api.endpoint: dns` published A records at a placeholder address and nothing ever pointed them
 * at the control plane, so clusters in that mode could not be reached (docs/fleets.md).
 */
export const RETIRED_ENDPOINTS = {
  dns: 'it published API records at the placeholder address 203.0.113.123 and nothing on the cluster ever updated them, so no client or node could reach the API; use loadBalancer (the default: a network load balancer in front of the control plane, with the Route53 records aliasing it)',
} as const

const endpoint = described('How clients reach the API server. `dns` was removed (see docs/fleets.md).', {
  ...oneOf(['loadBalancer']),
  retired: RETIRED_ENDPOINTS,
})

const instanceMetadata = described(
  'The instance metadata service (IMDS) options of the launch template.',
  obj({
    httpPutResponseHopLimit: described(
      'Hops a metadata answer may travel, 1 to 64. 1 keeps pods outside hostNetwork away from the node role; 2 lets them reach it. Default: 1',
      int,
    ),
    httpTokens: described(
      '`required`: IMDSv2 session tokens only; `optional` allows IMDSv1. Default: required',
      oneOf(['required', 'optional']),
    ),
  }),
)

const mixedInstancesPolicy = described(
  "Several instance types and spot capacity in one group (the auto-scaling group's MixedInstancesPolicy). Default: none",
  obj(
    {
      instances: described('EC2 instance types in priority order, 1 to 40.', strings),
      onDemandBase: described('On-demand instances before any spot. Default: 0', int),
      onDemandAboveBase: described(
        'Percentage (0 to 100) of the capacity above onDemandBase that runs on demand; 0 is all spot. Default: 100',
        int,
      ),
      onDemandAllocationStrategy: described(
        'Default: prioritized (the order of instances)',
        oneOf(['prioritized', 'lowest-price']),
      ),
      spotAllocationStrategy: described(
        'Default: price-capacity-optimized',
        oneOf([
          'price-capacity-optimized',
          'capacity-optimized',
          'capacity-optimized-prioritized',
          'lowest-price',
        ]),
      ),
      spotInstancePools: described(
        'With spotAllocationStrategy lowest-price only: the cheapest pools to spread over, 1 to 20. Default: 2',
        int,
      ),
    },
    ['instances'],
  ),
)

const serviceAccountIssuerDiscovery = described(
  "Publish the service-account issuer (OIDC discovery document and JWKS) for AWS to trust the cluster's tokens. Default: none",
  obj(
    {
      discoveryStore: described(
        "`s3://bucket[/prefix]` readable anonymously, in the cluster's region, not the state store's bucket.",
        str,
      ),
      enableAWSOIDCProvider: described(
        'Create an IAM OIDC provider trusting the issuer (client id sts.amazonaws.com). Default: false',
        bool,
      ),
    },
    ['discoveryStore'],
  ),
)

const serviceAccountExternalPermissions = described(
  'Service accounts mapped to IAM roles (IRSA): each gets a role its pods assume with their token. Default: []',
  listOf(
    obj(
      {
        name: str,
        namespace: str,
        aws: obj(
          {policyARNs: described('Managed policy ARNs attached to the role, at least one.', strings)},
          ['policyARNs'],
        ),
      },
      ['name', 'namespace', 'aws'],
    ),
  ),
)

const image = obj({id: str, lookup: obj({owner: str, namePattern: str}, ['owner', 'namePattern'])})
const toggle = obj({enabled: bool})

export const metadataShape = obj({name: str, labels: stringMap}, ['name'])

export const clusterSpecShape = obj(
  {
    kubernetesVersion: str,
    cloud: obj(
      {
        provider: oneOf(['aws']),
        aws: obj(
          {
            region: str,
            zones: strings,
            vpcId: str,
            kmsKeyArn: str,
            image,
            sshKey: obj({publicKey: str, name: str}),
          },
          ['zones'],
        ),
      },
      ['aws'],
    ),
    networking: obj({
      networkCIDR: str,
      subnets: listOf(
        obj({name: str, zone: str, type: oneOf(['public', 'private', 'utility']), cidr: str, id: str}, [
          'name',
          'zone',
          'type',
        ]),
      ),
      podCIDR: str,
      serviceCIDR: str,
      dnsDomain: str,
      cni: oneOf(['calico', 'cilium', 'flannel', 'amazon-vpc', 'hostgw']),
    }),
    topology: obj({type: oneOf(['public', 'private']), bastion: bool}),
    api: obj({access: strings, dnsName: str, endpoint, port: int}),
    sshAccess: strings,
    dns: obj({
      zone: str,
      type: described(
        'Where kforge publishes spec.api.dnsName: an alias record to the load balancer in the public or private Route53 zone spec.dns.zone. With none it publishes nothing: instances and clients reach the API by that name only through DNS you manage (a record aliasing the load balancer), and a cluster without one cannot boot.',
        oneOf(['public', 'private', 'none']),
      ),
    }),
    etcd: obj({
      version: str,
      volumeSize: described(
        "GiB of each control-plane member's etcd volume (encrypted gp3 EBS, mounted at /var/lib/etcd; see docs/control-plane-lifecycle.md). Default: 20. It can only grow: a larger size grows each volume in place (update cluster) and its filesystem on the node; a smaller one is refused, as EBS cannot shrink a volume.",
        int,
      ),
      backups: obj({
        enabled: bool,
        schedule: str,
        retention: obj({all: str, hourly: str, daily: str}),
        staleAfter: described(
          "kforge validate cluster fails when the newest etcd backup (or, before the first, the cluster's init) is older than this age (like 45m, 2h, 1d). Default: 1h, four periods of the default schedule.",
          str,
        ),
      }),
    }),
    addons: obj({
      cloudControllerManager: toggle,
      coreDNS: toggle,
      kubeProxy: toggle,
      ebsCSI: obj({enabled: bool, defaultStorageClass: bool}),
      dashboard: toggle,
    }),
    selfHosted: bool,
    mirror,
    serviceAccountIssuerDiscovery,
    iam: obj({serviceAccountExternalPermissions}),
  },
  ['cloud'],
)

export const instanceGroupSpecShape = obj(
  {
    role: oneOf(['control-plane', 'node', 'bastion']),
    machineType: str,
    minSize: int,
    maxSize: int,
    subnets: strings,
    zones: strings,
    image,
    rootVolume: obj({size: int, type: oneOf(['gp3', 'gp2', 'io1', 'io2'])}),
    nodeLabels: stringMap,
    taints: listOf(
      obj({key: str, value: str, effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])}, [
        'key',
        'effect',
      ]),
    ),
    cloudLabels: stringMap,
    additionalCloudConfig: cloudConfigFragment,
    instanceMetadata,
    mixedInstancesPolicy,
    maxPrice: described(
      'The most to pay per spot instance-hour in USD, as a string ("0.05"); needs mixedInstancesPolicy. Default: none (capped at the on-demand price)',
      str,
    ),
  },
  ['role'],
)

/** Where the published schema lives in the repository and in an installed kforge. */
export const SCHEMA_FILE = 'schema/kforge.dev_v1alpha1.json'

/**
 * The `$schema` URL every printed spec names in its first line (yaml-language-server): the
 * schema as published in kforge's npm package, served by the registry's CDN.
 */
export const SCHEMA_URL = `https://unpkg.com/kforge/${SCHEMA_FILE}`

/** The JSON Schema of one kforge.dev/v1alpha1 document: a Cluster or an InstanceGroup. */
export function kforgeJsonSchema(): JsonSchema {
  const document = (kind: string, spec: Shape): JsonSchema => ({
    if: {properties: {kind: {const: kind}}, required: ['kind']},
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
    then: {properties: {spec: jsonSchemaOf(spec)}},
  })
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_URL,
    title: `${API_VERSION} Cluster and InstanceGroup`,
    description:
      'One document of a kforge spec file: a Cluster or one of its InstanceGroups. Generated from src/api/v1alpha1/schema.ts; semantic rules (CIDRs, names, quorum) are checked by kforge validate.',
    type: 'object',
    properties: {
      apiVersion: {const: API_VERSION},
      kind: {enum: ['Cluster', 'InstanceGroup']},
      metadata: jsonSchemaOf(metadataShape),
      spec: {type: 'object'},
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    allOf: [document('Cluster', clusterSpecShape), document('InstanceGroup', instanceGroupSpecShape)],
  }
}
