/**
 * Workload identity (IRSA): the issuer's documents in the discovery store, the IAM OIDC provider
 * trusting that issuer, and one role per mapped service account that only tokens of that service
 * account (subject `system:serviceaccount:<namespace>:<name>`, audience sts.amazonaws.com) can
 * assume. kops's serviceAccountIssuerDiscovery and serviceAccountExternalPermissions.
 */
import {
  ebsCsiControllerHasOwnRole,
  parseDiscoveryStore,
  publishedIssuer,
  STS_AUDIENCE,
} from '../../../api/v1alpha1/identity.js'
import {KforgeError} from '../../../util/errors.js'
import {ref} from '../model/types.js'
import {clusterPath} from '../resources/iam.js'
import {iamRoleKind, SERVICE_ACCOUNT_TAG} from '../resources/iam-role.js'
import {issuerDocumentsKind} from '../resources/issuer-documents.js'
import {oidcProviderKind} from '../resources/oidc-provider.js'
import {JWKS_ATTR} from '../resources/store-objects.js'
import type {ModelBuilder} from './context.js'
import {buildEbsCsiControllerRole} from './ebs-csi-role.js'
import {awsNames, names} from './names.js'
import {webIdentityTrust} from './web-identity-trust.js'

export function buildIdentity(b: ModelBuilder): void {
  const issuer = publishedIssuer(b.cluster.spec)
  if (!issuer) return
  const stateBucket = b.inputs.stateStore && parseDiscoveryStore(b.inputs.stateStore)?.bucket
  if (stateBucket === issuer.store.bucket) {
    throw new KforgeError(
      `spec.serviceAccountIssuerDiscovery.discoveryStore (s3://${issuer.store.bucket}/...) is in the state store's bucket, which blocks public access and holds the cluster's secrets: name a bucket of its own`,
    )
  }
  // Published from sa.pub, which the state-store objects make: a library caller that brings its
  // own user-data has no such objects, and publishes nothing here.
  if (b.has(names.storeObjects)) {
    b.add(
      issuerDocumentsKind,
      names.issuerDocuments,
      {
        bucket: issuer.store.bucket,
        prefix: issuer.store.prefix,
        issuer: issuer.url,
        jwksUri: issuer.jwksUri,
        jwks: ref(names.storeObjects, JWKS_ATTR, 'from sa.pub, after the prerequisites'),
      },
      {dependsOn: [names.storeObjects]},
    )
  }
  if (!issuer.awsProvider) return
  b.add(oidcProviderKind, names.oidcProvider, {
    url: issuer.url,
    clientIds: [STS_AUDIENCE],
    tags: b.tags(names.oidcProvider, 'oidc'),
  })
  b.outputs.push({
    name: 'OidcProviderArn',
    description: "The service-account issuer's IAM OIDC provider",
    value: ref(names.oidcProvider, 'arn'),
  })
  for (const p of b.cluster.spec.iam?.serviceAccountExternalPermissions ?? []) {
    const logical = names.serviceAccountRole(p.namespace, p.name)
    b.add(iamRoleKind, logical, {
      name: awsNames.serviceAccountRole(p.namespace, p.name, b.name),
      path: clusterPath(b.name),
      assumeRolePolicy: webIdentityTrust(ref(names.oidcProvider, 'arn'), issuer.url, p.namespace, p.name),
      description: `kforge service account ${p.namespace}/${p.name} of cluster ${b.name}`,
      tags: b.tags(logical, `${p.name}.${p.namespace}.sa`, {
        [SERVICE_ACCOUNT_TAG]: `${p.namespace}/${p.name}`,
      }),
      managedPolicyArns: [...p.aws.policyARNs].sort(),
    })
  }
  if (ebsCsiControllerHasOwnRole(b.cluster.spec)) buildEbsCsiControllerRole(b, issuer)
}
