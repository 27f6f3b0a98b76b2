/**
 * The CloudFormation target's rendering of every kind, each in its own file beside the kind
 * (`resources/<kind>.cfn.ts`). A kind missing here cannot be exported (`renderTemplate` says which),
 * except the prerequisites' (KMS key and alias, state-store objects, the issuer's documents): made before the stack, never in it.
 */

import {autoScalingGroupCfn} from '../resources/autoscaling-group.cfn.js'
import {dnsRecordCfn} from '../resources/dns-record.cfn.js'
import {eipCfn} from '../resources/eip.cfn.js'
import {gatewayAttachmentCfn} from '../resources/gateway-attachment.cfn.js'
import {hostedZoneCfn} from '../resources/hosted-zone.cfn.js'
import {iamRoleCfn} from '../resources/iam-role.cfn.js'
import {instanceProfileCfn} from '../resources/instance-profile.cfn.js'
import {internetGatewayCfn} from '../resources/internet-gateway.cfn.js'
import {keyPairCfn} from '../resources/key-pair.cfn.js'
import {launchTemplateCfn} from '../resources/launch-template.cfn.js'
import {lifecycleHookCfn} from '../resources/lifecycle-hook.cfn.js'
import {listenerCfn} from '../resources/listener.cfn.js'
import {loadBalancerCfn} from '../resources/load-balancer.cfn.js'
import {natGatewayCfn} from '../resources/nat-gateway.cfn.js'
import {oidcProviderCfn} from '../resources/oidc-provider.cfn.js'
import {rolePolicyCfn} from '../resources/role-policy.cfn.js'
import {routeCfn} from '../resources/route.cfn.js'
import {routeTableCfn} from '../resources/route-table.cfn.js'
import {routeTableAssociationCfn} from '../resources/route-table-association.cfn.js'
import {securityGroupCfn} from '../resources/security-group.cfn.js'
import {securityGroupRuleCfn} from '../resources/security-group-rule.cfn.js'
import {subnetCfn} from '../resources/subnet.cfn.js'
import {targetGroupCfn} from '../resources/target-group.cfn.js'
import {volumeCfn} from '../resources/volume.cfn.js'
import {vpcCfn} from '../resources/vpc.cfn.js'
import type {AnyCfnRendering} from './kind.js'

export const CFN_RENDERINGS: readonly AnyCfnRendering[] = [
  autoScalingGroupCfn,
  dnsRecordCfn,
  eipCfn,
  gatewayAttachmentCfn,
  hostedZoneCfn,
  iamRoleCfn,
  instanceProfileCfn,
  internetGatewayCfn,
  keyPairCfn,
  launchTemplateCfn,
  lifecycleHookCfn,
  listenerCfn,
  loadBalancerCfn,
  natGatewayCfn,
  oidcProviderCfn,
  rolePolicyCfn,
  routeTableAssociationCfn,
  routeTableCfn,
  routeCfn,
  securityGroupRuleCfn,
  securityGroupCfn,
  subnetCfn,
  targetGroupCfn,
  volumeCfn,
  vpcCfn,
]
