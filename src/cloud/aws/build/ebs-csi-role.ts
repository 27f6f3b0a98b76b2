/**
 * The EBS CSI controller's own IAM role (IRSA), made when the cluster has one
 * (ebsCsiControllerHasOwnRole): trusted only through the cluster's OIDC provider for
 * `kube-system:ebs-csi-controller-sa` and audience sts.amazonaws.com, with the driver's
 * tag-conditioned volume statements (iam-policies.ts ebsCsiControllerPolicy), which the
 * control-plane role then no longer carries. kops gives its managed addons roles the same way.
 *
 * The role's ARN is what the controller's ServiceAccount is annotated with. Its name and path are
 * fixed by the cluster's name, so the ARN needs only the account, which the prerequisites learn
 * from STS (src/assets/prepare.ts) and render into node.yaml: no placeholder reaches a node.
 */
import {EBS_CSI_CONTROLLER_ACCOUNT, type PublishedIssuer} from '../../../api/v1alpha1/identity.js'
import {ref} from '../model/types.js'
import {clusterPath} from '../resources/iam.js'
import {iamRoleKind, SERVICE_ACCOUNT_TAG} from '../resources/iam-role.js'
import {rolePolicyKind} from '../resources/role-policy.js'
import type {ModelBuilder} from './context.js'
import {ebsCsiControllerPolicy, partition} from './iam-policies.js'
import {awsNames, names} from './names.js'
import {webIdentityTrust} from './web-identity-trust.js'

const {namespace, name} = EBS_CSI_CONTROLLER_ACCOUNT

/** The inline policy's name on the controller's role. */
export const EBS_CSI_POLICY_NAME = 'kforge-ebs-csi-controller'

/** The role's name (the naming every service-account role of kforge's has). */
export function ebsCsiControllerRoleName(cluster: string): string {
  return awsNames.serviceAccountRole(namespace, name, cluster)
}

/** The role's ARN in `account`: what the controller's ServiceAccount is annotated with. */
export function ebsCsiControllerRoleArn(cluster: string, region: string, account: string): string {
  return `arn:${partition(region)}:iam::${account}:role${clusterPath(cluster)}${ebsCsiControllerRoleName(cluster)}`
}

export function buildEbsCsiControllerRole(b: ModelBuilder, issuer: PublishedIssuer): void {
  const logical = names.serviceAccountRole(namespace, name)
  b.add(iamRoleKind, logical, {
    name: ebsCsiControllerRoleName(b.name),
    path: clusterPath(b.name),
    assumeRolePolicy: webIdentityTrust(ref(names.oidcProvider, 'arn'), issuer.url, namespace, name),
    description: `kforge EBS CSI controller (service account ${namespace}/${name}) of cluster ${b.name}`,
    tags: b.tags(logical, `${name}.${namespace}.sa`, {[SERVICE_ACCOUNT_TAG]: `${namespace}/${name}`}),
  })
  b.add(rolePolicyKind, names.serviceAccountPolicy(namespace, name), {
    roleName: ref(logical),
    policyName: EBS_CSI_POLICY_NAME,
    document: ebsCsiControllerPolicy({cluster: b.name, region: b.cluster.spec.cloud.aws.region}),
  })
}
