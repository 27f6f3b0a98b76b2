/**
 * Bootstrap tokens in the cluster: create, list and delete their kube-system Secrets, kubeadm's
 * layout (src/bootstrap/secret.ts holds the format). List entries never carry the secret half.
 */
import {
  type BootstrapTokenSpec,
  formatExpiration,
  type SecretObject,
  secretToToken,
  TOKEN_SECRET_NAMESPACE,
  TOKEN_SECRET_PREFIX,
  TOKEN_SECRET_TYPE,
  tokenSecretName,
  tokenToSecret,
} from '../bootstrap/secret.js'
import {TOKEN_ID_PATTERN, TOKEN_PATTERN} from '../bootstrap/token.js'
import {KforgeError} from '../util/errors.js'
import type {KubeClient} from './client.js'
import {isAlreadyExists, isNotFound} from './errors.js'
import {Secrets} from './resources.js'
import type {Secret} from './types.js'

export interface TokenListEntry {
  id: string
  /** Remaining lifetime (`23h59m`), `<forever>` or `<invalid>` once expired. */
  ttl: string
  /** RFC 3339, absent when the token never expires */
  expires?: string
  usages: string[]
  description?: string
  groups: string[]
}

/** Create the token Secret; an existing token with the same id is an error (kubeadm token create). */
export async function createTokenSecret(
  client: KubeClient,
  spec: BootstrapTokenSpec,
  now = new Date(),
): Promise<void> {
  try {
    await client.create(Secrets, tokenToSecret(spec, now) as Secret)
  } catch (err) {
    if (isAlreadyExists(err))
      throw new KforgeError(
        `a token with id "${spec.token.id}" already exists (Secret ${TOKEN_SECRET_NAMESPACE}/${tokenSecretName(spec.token.id)})`,
      )
    throw err
  }
}

/** Create or replace (kubeadm's init: the configured tokens are made to match the config). */
export async function applyTokenSecret(
  client: KubeClient,
  spec: BootstrapTokenSpec,
  now = new Date(),
): Promise<void> {
  const secret = tokenToSecret(spec, now) as Secret
  try {
    await client.create(Secrets, secret)
  } catch (err) {
    if (!isAlreadyExists(err)) throw err
    const live = await client.get(Secrets, secret.metadata.name!, TOKEN_SECRET_NAMESPACE)
    await client.update(Secrets, {...secret, metadata: {...live.metadata}})
  }
}

export async function listTokens(
  client: KubeClient,
  now = new Date(),
): Promise<{tokens: TokenListEntry[]; problems: string[]}> {
  const list = await client.list(Secrets, TOKEN_SECRET_NAMESPACE, {
    fieldSelector: `type=${TOKEN_SECRET_TYPE}`,
  })
  const tokens: TokenListEntry[] = []
  const problems: string[] = []
  for (const s of list.items) {
    if (!s.metadata.name?.startsWith(TOKEN_SECRET_PREFIX)) continue
    try {
      const spec = secretToToken(s as SecretObject)
      const entry: TokenListEntry = {
        id: spec.token.id,
        ttl: ttlOf(spec.expires, now),
        usages: [...(spec.usages ?? [])].sort(),
        groups: [...(spec.groups ?? [])],
      }
      if (spec.expires) entry.expires = formatExpiration(spec.expires)
      if (spec.description !== undefined) entry.description = spec.description
      tokens.push(entry)
    } catch (err) {
      problems.push((err as Error).message)
    }
  }
  return {tokens: tokens.sort((a, b) => a.id.localeCompare(b.id)), problems}
}

/** Accepts an id or a whole token (kubeadm token delete does both). */
export function tokenIdOf(value: string): string {
  const full = TOKEN_PATTERN.exec(value)
  if (full) return full[1]!
  if (TOKEN_ID_PATTERN.test(value)) return value
  throw new KforgeError(
    `"${value.length > 6 ? `${value.slice(0, 6)}…` : value}" is neither a token id ([a-z0-9]{6}) nor a token ([a-z0-9]{6}.[a-z0-9]{16})`,
  )
}

export async function deleteToken(client: KubeClient, id: string): Promise<void> {
  try {
    await client.delete(Secrets, tokenSecretName(id), TOKEN_SECRET_NAMESPACE)
  } catch (err) {
    if (isNotFound(err))
      throw new KforgeError(
        `bootstrap token "${id}" not found (no Secret ${TOKEN_SECRET_NAMESPACE}/${tokenSecretName(id)})`,
      )
    throw err
  }
}

/** kubeadm's TTL column: the remaining time rounded down to a short human duration. */
export function ttlOf(expires: Date | undefined, now: Date): string {
  if (!expires) return '<forever>'
  const ms = expires.getTime() - now.getTime()
  if (ms <= 0) return '<invalid>'
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86_400)
  const h = Math.floor((s % 86_400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return h > 0 ? `${d}d${h}h` : `${d}d`
  if (h > 0) return m > 0 ? `${h}h${m}m` : `${h}h`
  if (m > 0) return `${m}m`
  return `${s}s`
}
