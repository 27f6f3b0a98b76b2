/**
 * Cluster spec → resource model. Pure: the same cluster and inputs give the same model, which
 * is what makes the CloudFormation export byte-identical and the direct plan repeatable.
 */
import type {Cluster} from '../../../api/v1alpha1/types.js'
import type {Model} from '../model/types.js'
import {buildGroups} from './compute.js'
import {type BuildInputs, ModelBuilder} from './context.js'
import {buildDns, buildLoadBalancer} from './endpoint.js'
import {buildEtcdVolumes} from './etcd-volumes.js'
import {buildIdentity} from './identity.js'
import {buildNetwork} from './network.js'
import {buildPrerequisites} from './prerequisites.js'
import {buildSecurity} from './security.js'

export type {BuildInputs} from './context.js'

export function buildModel(cluster: Cluster, inputs: BuildInputs): Model {
  const b = new ModelBuilder(cluster, inputs)
  buildPrerequisites(b)
  buildNetwork(b)
  buildSecurity(b)
  buildIdentity(b)
  // The target group comes before the groups that register into it.
  buildLoadBalancer(b)
  // Each control-plane group's volume comes before the group whose instance mounts it.
  buildEtcdVolumes(b)
  buildGroups(b)
  buildDns(b)
  return {
    cluster: cluster.name,
    region: cluster.spec.cloud.aws.region,
    resources: b.resources,
    outputs: b.outputs,
  }
}
