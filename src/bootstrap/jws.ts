/**
 * Detached JWS as kubeadm's cluster-info discovery uses it (cluster-bootstrap token/jws): HS256,
 * key = the token secret's bytes, protected header exactly `{"alg":"HS256","kid":"<id>"}`, compact
 * serialisation with the payload left out: `header..signature`. Verification recomputes the whole
 * string, so the header bytes (key order, no `typ`) are part of the contract.
 */
import {createHmac} from 'node:crypto'
import {secretsEqual} from './token.js'

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url')
}

/** The detached signature the BootstrapSigner writes as `jws-kubeconfig-<tokenId>`. */
export function signDetached(content: string, tokenId: string, tokenSecret: string): string {
  const header = b64url(JSON.stringify({alg: 'HS256', kid: tokenId}))
  const signingInput = `${header}.${b64url(content)}`
  const mac = createHmac('sha256', Buffer.from(tokenSecret, 'utf8')).update(signingInput).digest()
  return `${header}..${b64url(mac)}`
}

/** True when `jws` is exactly the signature of `content` by this token; constant-time. */
export function verifyDetached(content: string, jws: string, tokenId: string, tokenSecret: string): boolean {
  return secretsEqual(signDetached(content, tokenId, tokenSecret), jws)
}
