/**
 * A complete Cluster back to kforge.dev/v1alpha1 documents, every field written in a fixed order,
 * so the same cluster always renders to the same bytes and `create -f` of the output is a no-op.
 */
import {Document} from 'yaml'
import {copyIdentity} from './identity.js'
import {SCHEMA_URL} from './schema.js'
import {
  API_VERSION,
  type Cluster,
  type ClusterDocument,
  copyMirror,
  type ImageSpec,
  type InstanceGroup,
  type InstanceGroupDocument,
} from './types.js'

function image(i: ImageSpec): ImageSpec {
  return i.id === undefined
    ? {lookup: {owner: i.lookup.owner, namePattern: i.lookup.namePattern}}
    : {id: i.id}
}

function clusterDocument(cluster: Cluster): ClusterDocument {
  const s = cluster.spec
  const aws = s.cloud.aws
  const labels = cluster.labels && Object.keys(cluster.labels).length > 0 ? {labels: {...cluster.labels}} : {}
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: {name: cluster.name, ...labels},
    spec: {
      kubernetesVersion: s.kubernetesVersion,
      cloud: {
        provider: s.cloud.provider,
        aws: {
          region: aws.region,
          zones: [...aws.zones],
          ...(aws.vpcId === undefined ? {} : {vpcId: aws.vpcId}),
          ...(aws.kmsKeyArn === undefined ? {} : {kmsKeyArn: aws.kmsKeyArn}),
          image: image(aws.image),
          ...(aws.sshKey === undefined
            ? {}
            : {
                sshKey: {
                  ...(aws.sshKey.publicKey === undefined ? {} : {publicKey: aws.sshKey.publicKey}),
                  ...(aws.sshKey.name === undefined ? {} : {name: aws.sshKey.name}),
                },
              }),
        },
      },
      networking: {
        networkCIDR: s.networking.networkCIDR,
        subnets: s.networking.subnets.map((n) => ({
          name: n.name,
          zone: n.zone,
          type: n.type,
          cidr: n.cidr,
          ...(n.id === undefined ? {} : {id: n.id}),
        })),
        podCIDR: s.networking.podCIDR,
        serviceCIDR: s.networking.serviceCIDR,
        dnsDomain: s.networking.dnsDomain,
        cni: s.networking.cni,
      },
      topology: {type: s.topology.type, bastion: s.topology.bastion},
      api: {access: [...s.api.access], dnsName: s.api.dnsName, endpoint: s.api.endpoint, port: s.api.port},
      sshAccess: [...s.sshAccess],
      dns: {zone: s.dns.zone, type: s.dns.type},
      etcd: {
        version: s.etcd.version,
        volumeSize: s.etcd.volumeSize,
        backups: {
          enabled: s.etcd.backups.enabled,
          schedule: s.etcd.backups.schedule,
          retention: {...s.etcd.backups.retention},
          staleAfter: s.etcd.backups.staleAfter,
        },
      },
      addons: {
        cloudControllerManager: {enabled: s.addons.cloudControllerManager.enabled},
        coreDNS: {enabled: s.addons.coreDNS.enabled},
        kubeProxy: {enabled: s.addons.kubeProxy.enabled},
        ebsCSI: {enabled: s.addons.ebsCSI.enabled, defaultStorageClass: s.addons.ebsCSI.defaultStorageClass},
        dashboard: {enabled: s.addons.dashboard.enabled},
      },
      selfHosted: s.selfHosted,
      ...(s.mirror === undefined ? {} : {mirror: copyMirror(s.mirror)}),
      ...copyIdentity(s),
    },
  }
}

function groupDocument(ig: InstanceGroup): InstanceGroupDocument {
  const s = ig.spec
  return {
    apiVersion: API_VERSION,
    kind: 'InstanceGroup',
    metadata: {name: ig.name, ...(ig.labels === undefined ? {} : {labels: {...ig.labels}})},
    spec: {
      role: s.role,
      machineType: s.machineType,
      minSize: s.minSize,
      maxSize: s.maxSize,
      subnets: [...s.subnets],
      ...(s.image === undefined ? {} : {image: image(s.image)}),
      rootVolume: {size: s.rootVolume.size, type: s.rootVolume.type},
      // Beside the other machine settings; labels and the cloud-config fragment stay last.
      instanceMetadata: {
        httpPutResponseHopLimit: s.instanceMetadata.httpPutResponseHopLimit,
        httpTokens: s.instanceMetadata.httpTokens,
      },
      ...(s.mixedInstancesPolicy === undefined
        ? {}
        : {
            mixedInstancesPolicy: {
              ...s.mixedInstancesPolicy,
              instances: [...s.mixedInstancesPolicy.instances],
            },
          }),
      ...(s.maxPrice === undefined ? {} : {maxPrice: s.maxPrice}),
      nodeLabels: {...s.nodeLabels},
      taints: s.taints.map((t) => ({
        key: t.key,
        ...(t.value === undefined ? {} : {value: t.value}),
        effect: t.effect,
      })),
      cloudLabels: {...s.cloudLabels},
      ...(s.additionalCloudConfig === undefined ? {} : {additionalCloudConfig: s.additionalCloudConfig}),
    },
  }
}

/** The Cluster document, then its InstanceGroups in their order. */
export function toDocuments(cluster: Cluster): [ClusterDocument, ...InstanceGroupDocument[]] {
  return [clusterDocument(cluster), ...cluster.instanceGroups.map(groupDocument)]
}

/** The first line of every spec kforge writes: editors that speak yaml-language-server check it against the schema. */
export const SCHEMA_MODELINE = `# yaml-language-server: $schema=${SCHEMA_URL}\n`

/** Multi-document YAML: what `--dry-run -o yaml` prints and what the state store keeps. */
export function renderSpec(cluster: Cluster): string {
  return (
    SCHEMA_MODELINE +
    toDocuments(cluster)
      .map((doc) => new Document(doc).toString({lineWidth: 0}))
      .join('---\n')
  )
}
