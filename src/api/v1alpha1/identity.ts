/**
 * Workload identity (IRSA): where the service-account issuer is published and what AWS sees of
 * it. kops's fields (`serviceAccountIssuerDiscovery`, `iam.serviceAccountExternalPermissions`)
 * and its URL form: an S3 discovery store `s3://bucket/prefix` is served as
 * `https://bucket.s3.<region>.amazonaws.com/prefix`, the issuer every token then names.
 */
import type {ClusterSpec, ClusterSpecInput, ServiceAccountExternalPermission} from './types.js'

/** Where kube-apiserver serves the JWKS itself; the published copy keeps the same path. */
export const JWKS_PATH = 'openid/v1/jwks'
export const DISCOVERY_PATH = '.well-known/openid-configuration'
/** The audience AWS STS accepts in a web-identity token: the OIDC provider's client id. */
export const STS_AUDIENCE = 'sts.amazonaws.com'

export interface DiscoveryStore {
  bucket: string
  /** Without leading or trailing '/'; '' for the bucket's root. */
  prefix: string
}

const S3_STORE = /^s3:\/\/([^/]+)(?:\/(.*))?$/

export function parseDiscoveryStore(store: string): DiscoveryStore | undefined {
  const m = S3_STORE.exec(store)
  if (!m) return undefined
  return {bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '')}
}

/** The issuer URL: no trailing '/', since the token's `iss` must equal it byte for byte. */
export function issuerUrl(store: DiscoveryStore, region: string): string {
  const base = `https://${store.bucket}.s3.${region}.amazonaws.com`
  return store.prefix === '' ? base : `${base}/${store.prefix}`
}

/** The object keys the two documents are published under. */
export function issuerObjectKeys(store: DiscoveryStore): {discovery: string; jwks: string} {
  const at = (key: string) => (store.prefix === '' ? key : `${store.prefix}/${key}`)
  return {discovery: at(DISCOVERY_PATH), jwks: at(JWKS_PATH)}
}

/** What a published issuer is, for a cluster that has one. */
export interface PublishedIssuer {
  store: DiscoveryStore
  url: string
  jwksUri: string
  /** The IAM OIDC provider is created for it. */
  awsProvider: boolean
}

export function publishedIssuer(spec: ClusterSpec): PublishedIssuer | undefined {
  const d = spec.serviceAccountIssuerDiscovery
  const store = d && parseDiscoveryStore(d.discoveryStore)
  if (!d || !store) return undefined
  const url = issuerUrl(store, spec.cloud.aws.region)
  return {store, url, jwksUri: `${url}/${JWKS_PATH}`, awsProvider: d.enableAWSOIDCProvider}
}

/**
 * The EBS CSI controller's service account (the upstream driver's name). With IRSA it gets a role
 * of its own, made by kforge as kops makes its managed addons' roles.
 */
export const EBS_CSI_CONTROLLER_ACCOUNT = {namespace: 'kube-system', name: 'ebs-csi-controller-sa'} as const

/**
 * True when the EBS CSI controller runs under its own IAM role rather than the control-plane
 * instance role: the driver is installed and AWS trusts the cluster's tokens (a published issuer
 * with its IAM OIDC provider). Automatic, as kops does for its addons once
 * `enableAWSOIDCProvider` is set: the role is only possible then, and it is the least privilege.
 * The provisioner (the role, and the EBS statements leaving the control-plane role) and the
 * rendering (the role's ARN in node.yaml) both ask this one question.
 */
export function ebsCsiControllerHasOwnRole(spec: ClusterSpec): boolean {
  return spec.addons.ebsCSI.enabled && publishedIssuer(spec)?.awsProvider === true
}

/** kubeadm's issuer (`https://kubernetes.default.svc.<dnsDomain>`): what tokens name without a published one. */
export function inClusterIssuer(dnsDomain: string): string {
  return `https://kubernetes.default.svc.${dnsDomain}`
}

/** The subject kube-apiserver writes into a service account's token. */
export function serviceAccountSubject(
  p: Pick<ServiceAccountExternalPermission, 'namespace' | 'name'>,
): string {
  return `system:serviceaccount:${p.namespace}:${p.name}`
}

function copyPermission(p: ServiceAccountExternalPermission): ServiceAccountExternalPermission {
  return {name: p.name, namespace: p.namespace, aws: {policyARNs: [...p.aws.policyARNs]}}
}

/** Defaults: the sections stay absent unless the user wrote them (nothing to publish otherwise). */
export function identityDefaults(
  s: ClusterSpecInput,
): Pick<ClusterSpec, 'serviceAccountIssuerDiscovery' | 'iam'> {
  const d = s.serviceAccountIssuerDiscovery
  const permissions = s.iam?.serviceAccountExternalPermissions ?? []
  return {
    ...(d === undefined
      ? {}
      : {
          serviceAccountIssuerDiscovery: {
            discoveryStore: d.discoveryStore,
            enableAWSOIDCProvider: d.enableAWSOIDCProvider ?? false,
          },
        }),
    ...(permissions.length === 0
      ? {}
      : {iam: {serviceAccountExternalPermissions: permissions.map(copyPermission)}}),
  }
}

/** The printed spec's copy, fields in a fixed order. */
export function copyIdentity(s: ClusterSpec): Pick<ClusterSpec, 'serviceAccountIssuerDiscovery' | 'iam'> {
  return identityDefaults(s)
}
