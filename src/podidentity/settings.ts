/**
 * What a pod gets from its ServiceAccount's annotations, as users of EKS's pod identity webhook
 * write them (prefix `eks.amazonaws.com/`): the role, the token's audience and lifetime, and
 * whether the SDKs should call STS in the pod's region. A pod's own `token-expiration` annotation
 * wins over its ServiceAccount's; `skip-containers` (pod) names containers to leave alone.
 */
import {STS_AUDIENCE} from '../api/v1alpha1/identity.js'

export const ANNOTATION_PREFIX = 'eks.amazonaws.com'
export const ROLE_ARN_ANNOTATION = `${ANNOTATION_PREFIX}/role-arn`
export const AUDIENCE_ANNOTATION = `${ANNOTATION_PREFIX}/audience`
export const TOKEN_EXPIRATION_ANNOTATION = `${ANNOTATION_PREFIX}/token-expiration`
export const STS_REGIONAL_ANNOTATION = `${ANNOTATION_PREFIX}/sts-regional-endpoints`
export const SKIP_CONTAINERS_ANNOTATION = `${ANNOTATION_PREFIX}/skip-containers`

/** The token's lifetime when nothing says otherwise: a day, as upstream. */
export const DEFAULT_TOKEN_EXPIRATION_S = 86_400
/** The TokenRequest API refuses less than 10 minutes; a shorter request is raised to it. */
export const MIN_TOKEN_EXPIRATION_S = 600
/** ... and anything from 2^32 s on (the field is validated as such). */
export const MAX_TOKEN_EXPIRATION_S = 2 ** 32 - 1

/** The webhook's own settings (its command's flags). */
export interface WebhookDefaults {
  /** AWS_REGION and AWS_DEFAULT_REGION for containers that set neither. Absent: not injected. */
  region?: string
  /** Default: sts.amazonaws.com (the audience kforge's OIDC provider and role trust name). */
  audience?: string
  /** Default: 86400 */
  tokenExpirationSeconds?: number
  /** AWS_STS_REGIONAL_ENDPOINTS=regional unless the ServiceAccount says "false". Default: false */
  stsRegionalEndpoints?: boolean
}

/** What to inject into one pod: resolved from the annotations and the webhook's defaults. */
export interface Injection {
  roleArn: string
  audience: string
  expirationSeconds: number
  region?: string
  stsRegional: boolean
  /** Containers and init containers named in `skip-containers`. */
  skip: ReadonlySet<string>
}

type Annotations = Readonly<Record<string, string>> | undefined

/** A whole number of seconds, raised or lowered into what the API accepts; undefined if not a number. */
function expiration(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined
  return Math.min(MAX_TOKEN_EXPIRATION_S, Math.max(MIN_TOKEN_EXPIRATION_S, Number(value)))
}

/** Undefined when the ServiceAccount names no role: such pods are left as they are. */
export function injectionFor(sa: Annotations, pod: Annotations, d: WebhookDefaults): Injection | undefined {
  const roleArn = sa?.[ROLE_ARN_ANNOTATION]?.trim()
  if (!roleArn) return undefined
  const regional = sa?.[STS_REGIONAL_ANNOTATION]?.trim().toLowerCase()
  const skip = (pod?.[SKIP_CONTAINERS_ANNOTATION] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return {
    roleArn,
    audience: sa?.[AUDIENCE_ANNOTATION]?.trim() || d.audience || STS_AUDIENCE,
    expirationSeconds:
      expiration(pod?.[TOKEN_EXPIRATION_ANNOTATION]) ??
      expiration(sa?.[TOKEN_EXPIRATION_ANNOTATION]) ??
      d.tokenExpirationSeconds ??
      DEFAULT_TOKEN_EXPIRATION_S,
    ...(d.region ? {region: d.region} : {}),
    stsRegional:
      regional === 'true' ? true : regional === 'false' ? false : (d.stsRegionalEndpoints ?? false),
    skip: new Set(skip),
  }
}
