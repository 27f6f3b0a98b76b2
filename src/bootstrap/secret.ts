/**
 * The bootstrap token Secret, kubeadm's layout (cluster-bootstrap token/api): name
 * `bootstrap-token-<id>` in kube-system, type `bootstrap.kubernetes.io/token`, base64 `data` keys
 * token-id, token-secret, description, expiration (RFC 3339 UTC), usage-bootstrap-<usage> = "true",
 * auth-extra-groups (comma-joined).
 *
 * Pure functions over plain objects so the API double and `kforge token` share one reading of the
 * format: only the exact value "true" enables a usage, and an unparsable expiration is expired.
 */
import {KforgeError} from '../util/errors.js'
import {
  BOOTSTRAP_DEFAULT_GROUP,
  type BootstrapToken,
  EXTRA_GROUP_PATTERN,
  secretsEqual,
  TOKEN_ID_PATTERN,
  TOKEN_SECRET_PATTERN,
  TOKEN_USAGES,
  type TokenUsage,
  validateExtraGroups,
  validateUsages,
} from './token.js'

export const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token'
export const TOKEN_SECRET_PREFIX = 'bootstrap-token-'
export const TOKEN_SECRET_NAMESPACE = 'kube-system'

/** The part of a core/v1 Secret these functions read and write. */
export interface SecretObject {
  apiVersion?: string
  kind?: string
  metadata: {name: string; namespace?: string; [key: string]: unknown}
  type?: string
  /** base64 values, as the API serves them */
  data?: Record<string, string>
  /** plain values, as a client may send them (the API server folds these into `data`) */
  stringData?: Record<string, string>
}

export interface BootstrapTokenSpec {
  token: BootstrapToken
  description?: string
  /** Absolute expiry; wins over `ttlMs`. */
  expires?: Date
  /** Lifetime from `now`; 0 or absent (with no `expires`) means the token never expires. */
  ttlMs?: number
  /** Default: signing, authentication */
  usages?: readonly TokenUsage[]
  /** Extra groups, each `system:bootstrappers:...`. Default: none (kubeadm's config defaulting adds its group). */
  groups?: readonly string[]
}

/** What a token Secret says, read leniently: the caller decides what an invalid field means. */
export interface TokenSecretContents {
  id: string | undefined
  secret: string | undefined
  description: string | undefined
  /** `'invalid'` when present but not RFC 3339: such a token counts as expired. */
  expiration: Date | 'invalid' | undefined
  usages: TokenUsage[]
  groups: string[]
}

export function tokenSecretName(id: string): string {
  return `${TOKEN_SECRET_PREFIX}${id}`
}

/** RFC 3339 in UTC with seconds precision, as Go's time.RFC3339 prints a UTC time. */
export function formatExpiration(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

export function tokenToSecret(spec: BootstrapTokenSpec, now: Date = new Date()): SecretObject {
  const usages = validateUsages(spec.usages ?? TOKEN_USAGES)
  const groups = [...(spec.groups ?? [])]
  validateExtraGroups(groups)
  const values: Record<string, string> = {
    'token-id': spec.token.id,
    'token-secret': spec.token.secret,
  }
  if (spec.description) values.description = spec.description
  const expires =
    spec.expires ?? (spec.ttlMs && spec.ttlMs > 0 ? new Date(now.getTime() + spec.ttlMs) : undefined)
  if (expires) values.expiration = formatExpiration(expires)
  for (const usage of usages) values[`usage-bootstrap-${usage}`] = 'true'
  if (groups.length > 0) values['auth-extra-groups'] = groups.join(',')
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {name: tokenSecretName(spec.token.id), namespace: TOKEN_SECRET_NAMESPACE},
    type: TOKEN_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  }
}

/** One data value, decoded: `data` (base64) first, then `stringData`. */
export function secretValue(secret: SecretObject, key: string): string | undefined {
  const encoded = secret.data?.[key]
  if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8')
  return secret.stringData?.[key]
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

export function parseExpiration(value: string): Date | 'invalid' {
  if (!RFC3339.test(value)) return 'invalid'
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? 'invalid' : date
}

export function readTokenSecret(secret: SecretObject): TokenSecretContents {
  const expiration = secretValue(secret, 'expiration')
  const groups = secretValue(secret, 'auth-extra-groups')
  return {
    id: secretValue(secret, 'token-id'),
    secret: secretValue(secret, 'token-secret'),
    description: secretValue(secret, 'description'),
    expiration: expiration === undefined ? undefined : parseExpiration(expiration),
    usages: TOKEN_USAGES.filter((u) => secretValue(secret, `usage-bootstrap-${u}`) === 'true'),
    groups: groups === undefined ? [] : groups.split(',').map((g) => g.trim()),
  }
}

export function isTokenSecretExpired(secret: SecretObject, now: Date = new Date()): boolean {
  const {expiration} = readTokenSecret(secret)
  if (expiration === undefined) return false
  return expiration === 'invalid' || expiration.getTime() <= now.getTime()
}

/**
 * The token of a well-formed Secret: right type, name matching its token-id, valid id and secret.
 * Returns undefined for anything else (the signer and authenticator ignore such Secrets).
 */
export function tokenOfSecret(secret: SecretObject): BootstrapToken | undefined {
  if (secret.type !== TOKEN_SECRET_TYPE) return undefined
  const {id, secret: tokenSecret} = readTokenSecret(secret)
  if (id === undefined || tokenSecret === undefined) return undefined
  if (!TOKEN_ID_PATTERN.test(id) || !TOKEN_SECRET_PATTERN.test(tokenSecret)) return undefined
  if (secret.metadata.name !== tokenSecretName(id)) return undefined
  return {id, secret: tokenSecret}
}

/** What the BootstrapSigner signs cluster-info with: valid, unexpired, usage-bootstrap-signing. */
export function signingTokenOfSecret(
  secret: SecretObject,
  now: Date = new Date(),
): BootstrapToken | undefined {
  const token = tokenOfSecret(secret)
  if (!token || isTokenSecretExpired(secret, now)) return undefined
  return readTokenSecret(secret).usages.includes('signing') ? token : undefined
}

export interface BootstrapIdentity {
  user: string
  groups: string[]
}

/**
 * The bootstrap token authenticator: `presented` authenticates against this Secret when it is
 * valid, unexpired, has usage-bootstrap-authentication, the secret matches (constant time) and
 * every extra group is well-formed. User `system:bootstrap:<id>`, groups system:bootstrappers + extras.
 */
export function authenticateToken(
  secret: SecretObject,
  presented: BootstrapToken,
  now: Date = new Date(),
): BootstrapIdentity | undefined {
  const token = tokenOfSecret(secret)
  if (!token || token.id !== presented.id) return undefined
  if (!secretsEqual(token.secret, presented.secret)) return undefined
  if (isTokenSecretExpired(secret, now)) return undefined
  const contents = readTokenSecret(secret)
  if (!contents.usages.includes('authentication')) return undefined
  if (contents.groups.some((g) => !EXTRA_GROUP_PATTERN.test(g))) return undefined
  const groups = [...new Set([BOOTSTRAP_DEFAULT_GROUP, ...contents.groups])].sort()
  return {user: `system:bootstrap:${token.id}`, groups}
}

/** Strict reading for `kforge token list`: errors name the Secret and the field at fault. */
export function secretToToken(secret: SecretObject): BootstrapTokenSpec {
  const name = secret.metadata.name
  const token = tokenOfSecret(secret)
  if (!token) {
    throw new KforgeError(
      `secret ${TOKEN_SECRET_NAMESPACE}/${name}: not a valid bootstrap token Secret (expected type ${TOKEN_SECRET_TYPE}, name ${TOKEN_SECRET_PREFIX}<token-id>, token-id [a-z0-9]{6}, token-secret [a-z0-9]{16})`,
    )
  }
  const contents = readTokenSecret(secret)
  if (contents.expiration === 'invalid') {
    throw new KforgeError(
      `secret ${TOKEN_SECRET_NAMESPACE}/${name}: data.expiration is not an RFC 3339 time (e.g. 2018-09-10T00:00:11Z)`,
    )
  }
  validateExtraGroups(contents.groups, `secret ${TOKEN_SECRET_NAMESPACE}/${name}: data.auth-extra-groups`)
  const spec: BootstrapTokenSpec = {token, usages: contents.usages, groups: contents.groups}
  if (contents.description !== undefined) spec.description = contents.description
  if (contents.expiration !== undefined) spec.expires = contents.expiration
  return spec
}
