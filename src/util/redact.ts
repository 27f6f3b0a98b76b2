/**
 * Secrets never reach logs or stdout. Values registered here are replaced wherever they appear,
 * and well-known secret shapes (bootstrap tokens, PEM private keys, AWS secret keys) are masked
 * even when nobody registered them.
 */
const registered = new Set<string>()

const PATTERNS: readonly RegExp[] = [
  // bootstrap token: keep the public id, hide the secret half
  /\b([a-z0-9]{6})\.[a-z0-9]{16}\b/g,
  /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g,
  /(aws_secret_access_key\s*[=:]\s*)\S+/gi,
]

export function registerSecret(value: string): void {
  if (value.length >= 6) registered.add(value)
}

export function redact(text: string): string {
  let out = text
  for (const secret of registered) out = out.split(secret).join('[REDACTED]')
  out = out.replace(PATTERNS[0]!, '$1.[REDACTED]')
  out = out.replace(PATTERNS[1]!, '[REDACTED PRIVATE KEY]')
  out = out.replace(PATTERNS[2]!, '$1[REDACTED]')
  return out
}
