/** Every kind of resource, by name. Adding a kind: one file in this directory, one line here. */
import type {AnyDiscoverable, AnyKind} from '../model/types.js'
import {autoScalingGroupKind} from './autoscaling-group.js'
import {dnsRecordKind} from './dns-record.js'
import {eipKind} from './eip.js'
import {gatewayAttachmentKind} from './gateway-attachment.js'
import {hostedZoneKind} from './hosted-zone.js'
import {iamRoleKind} from './iam-role.js'
import {instanceKind} from './instance.js'
import {instanceProfileKind} from './instance-profile.js'
import {internetGatewayKind} from './internet-gateway.js'
import {issuerDocumentsKind} from './issuer-documents.js'
import {keyPairKind} from './key-pair.js'
import {kmsAliasKind} from './kms-alias.js'
import {kmsKeyKind} from './kms-key.js'
import {launchTemplateKind} from './launch-template.js'
import {lifecycleHookKind} from './lifecycle-hook.js'
import {listenerKind} from './listener.js'
import {loadBalancerKind} from './load-balancer.js'
import {natGatewayKind} from './nat-gateway.js'
import {networkInterfaceKind} from './network-interface.js'
import {oidcProviderKind} from './oidc-provider.js'
import {rolePolicyKind} from './role-policy.js'
import {routeKind} from './route.js'
import {routeTableKind} from './route-table.js'
import {routeTableAssociationKind} from './route-table-association.js'
import {securityGroupKind} from './security-group.js'
import {securityGroupRuleKind} from './security-group-rule.js'
import {storeObjectsKind} from './store-objects.js'
import {subnetKind} from './subnet.js'
import {targetGroupKind} from './target-group.js'
import {volumeKind} from './volume.js'
import {vpcKind} from './vpc.js'

export const KINDS: readonly AnyKind[] = [
  kmsKeyKind,
  kmsAliasKind,
  storeObjectsKind,
  issuerDocumentsKind,
  vpcKind,
  internetGatewayKind,
  gatewayAttachmentKind,
  subnetKind,
  routeTableKind,
  routeKind,
  routeTableAssociationKind,
  eipKind,
  natGatewayKind,
  securityGroupKind,
  securityGroupRuleKind,
  oidcProviderKind,
  iamRoleKind,
  rolePolicyKind,
  instanceProfileKind,
  keyPairKind,
  launchTemplateKind,
  volumeKind,
  autoScalingGroupKind,
  lifecycleHookKind,
  loadBalancerKind,
  targetGroupKind,
  listenerKind,
  hostedZoneKind,
  dnsRecordKind,
]

/** Kinds `delete cluster` finds but kforge never creates (what Kubernetes and AWS leave behind). */
export const DISCOVER_ONLY: readonly AnyDiscoverable[] = [instanceKind, networkInterfaceKind]

const byName = new Map<string, AnyKind>(KINDS.map((k) => [k.kind, k]))

export function kindOf(name: string): AnyKind {
  const kind = byName.get(name)
  if (!kind) throw new Error(`unknown resource kind ${name}`)
  return kind
}
