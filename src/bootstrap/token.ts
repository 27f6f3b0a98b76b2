/**
 * Bootstrap tokens in kubeadm's format (cluster-bootstrap token/api and token/util):
 * `<id>.<secret>`, id 6 and secret 16 characters from `[a-z0-9]`, every character drawn uniformly
 * from a CSPRNG. The id is public (it names the Secret); the secret half is a credential.
 */
import {randomBytes, timingSafeEqual} from 'node:crypto'
import {KforgeError} from '../util/errors.js'

export const TOKEN_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'
// `$` without the m flag only matches at the very end in JS, like Go's `\z`.
export const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/
export const TOKEN_ID_PATTERN = /^[a-z0-9]{6}$/
export const TOKEN_SECRET_PATTERN = /^[a-z0-9]{16}$/
export const EXTRA_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/

/** The group every bootstrap token authenticates into, and kubeadm's default extra group. */
export const BOOTSTRAP_DEFAULT_GROUP = 'system:bootstrappers'
export const KUBEADM_DEFAULT_NODE_GROUP = 'system:bootstrappers:kubeadm:default-node-token'
/**
 * The group of the tokens kforge's node-identity service issues (src/identity): bound like
 * kubeadm's node group, except that kube-controller-manager never auto-approves its certificate
 * requests; the service approves them for the one node name each token was issued for.
 */
export const NODE_IDENTITY_GROUP = 'system:bootstrappers:kforge:node-identity'
export const TOKEN_USAGES = ['signing', 'authentication'] as const
export type TokenUsage = (typeof TOKEN_USAGES)[number]

export interface BootstrapToken {
  id: string
  secret: string
}

/**
 * `length` characters uniform over the 36-letter alphabet. Bytes >= 252 (= 7 * 36) are rejected
 * rather than reduced, because `byte % 36` would favour the first four letters.
 */
export function randomTokenString(length: number): string {
  const limit = 252
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length - out.length + 8)) {
      if (byte >= limit) continue
      out += TOKEN_ALPHABET[byte % 36]
      if (out.length === length) break
    }
  }
  return out
}

export function generateToken(): BootstrapToken {
  return {id: randomTokenString(6), secret: randomTokenString(16)}
}

export function formatToken(token: BootstrapToken): string {
  return `${token.id}.${token.secret}`
}

/** Parse `<id>.<secret>`. The error never repeats the input: it may be a real secret with a typo. */
export function parseToken(value: string, field = 'token'): BootstrapToken {
  const m = TOKEN_PATTERN.exec(value)
  if (!m) {
    throw new KforgeError(
      `${field}: the bootstrap token is not of the form "[a-z0-9]{6}.[a-z0-9]{16}" (got ${value.length} characters)`,
    )
  }
  return {id: m[1]!, secret: m[2]!}
}

/** Constant-time comparison of two token secrets (or any two strings). */
export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  // Compare against itself on a length mismatch so the time taken does not depend on where they differ.
  if (x.length !== y.length) {
    timingSafeEqual(x, x)
    return false
  }
  return timingSafeEqual(x, y)
}

/** Constant-time check that `presented` is exactly `expected`. */
export function tokensEqual(expected: BootstrapToken, presented: BootstrapToken): boolean {
  const idOk = secretsEqual(expected.id, presented.id)
  const secretOk = secretsEqual(expected.secret, presented.secret)
  return idOk && secretOk
}

export function validateExtraGroups(groups: readonly string[], field = 'groups'): void {
  groups.forEach((g, i) => {
    if (!EXTRA_GROUP_PATTERN.test(g)) {
      throw new KforgeError(
        `${field}[${i}]: bootstrap group "${g}" must match ${EXTRA_GROUP_PATTERN.source.replace(/^\^|\$$/g, '')}`,
      )
    }
  })
}

export function validateUsages(usages: readonly string[], field = 'usages'): TokenUsage[] {
  return usages.map((u, i) => {
    if (!(TOKEN_USAGES as readonly string[]).includes(u)) {
      throw new KforgeError(
        `${field}[${i}]: invalid bootstrap token usage "${u}", valid usages: ${TOKEN_USAGES.join(', ')}`,
      )
    }
    return u as TokenUsage
  })
}
