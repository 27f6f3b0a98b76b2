/**
 * The service-account issuer's OIDC documents as kube-apiserver serves them
 * (pkg/serviceaccount/openidmetadata.go): the discovery document and the JWKS of the
 * service-account public key (sa.pub). Published outside the cluster so that AWS STS can verify
 * the tokens the cluster signs. The key id is kube-apiserver's (SHA-256 of the key's PKIX DER,
 * base64url), so a token's `kid` header finds its key in the published set.
 */
import {createHash, createPublicKey, type JsonWebKey, type KeyObject} from 'node:crypto'

export interface IssuerDocuments {
  /** `.well-known/openid-configuration`, JSON text. */
  discovery: string
  /** The JWKS (`openid/v1/jwks`), JSON text. */
  jwks: string
}

/** kube-apiserver's key id: base64url(SHA-256(PKIX DER of the public key)). */
export function serviceAccountKeyId(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({type: 'spki', format: 'der'}))
    .digest('base64url')
}

/** The JWS algorithm kube-apiserver signs with for this key (RS256 for RSA, ES256/384 for EC). */
function signingAlg(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256'
  const curve = key.asymmetricKeyDetails?.namedCurve
  if (curve === 'prime256v1') return 'ES256'
  if (curve === 'secp384r1') return 'ES384'
  throw new Error(`service-account key type ${key.asymmetricKeyType} ${curve ?? ''} has no JWS algorithm`)
}

/** The JWKS of the service-account public keys (PEM `PUBLIC KEY`), as JSON text. */
export function serviceAccountJwks(publicKeysPem: readonly (string | Buffer)[]): string {
  const keys = publicKeysPem.map((pem) => {
    const key = createPublicKey(pem)
    const jwk: JsonWebKey = key.export({format: 'jwk'})
    // kube-apiserver's field order: use, kty, kid, alg, then the key's own parameters.
    return {use: 'sig', kty: jwk.kty, kid: serviceAccountKeyId(key), alg: signingAlg(key), ...withoutKty(jwk)}
  })
  return JSON.stringify({keys})
}

function withoutKty(jwk: JsonWebKey): JsonWebKey {
  const {kty: _kty, ...rest} = jwk
  return rest
}

/** The discovery document for `issuer` whose keys are at `jwksUri`, as JSON text. */
export function discoveryDocument(
  issuer: string,
  jwksUri: string,
  algs: readonly string[] = ['RS256'],
): string {
  return JSON.stringify({
    issuer,
    jwks_uri: jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...algs],
  })
}

/** The algorithms of a JWKS's keys, for its discovery document. */
export function jwksAlgorithms(jwks: string): string[] {
  const parsed = JSON.parse(jwks) as {keys: {alg: string}[]}
  return [...new Set(parsed.keys.map((k) => k.alg))].sort()
}
