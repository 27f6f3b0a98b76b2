/**
 * The issuer's published documents, checked with a JOSE library (jose), not by hand: a token
 * signed with the service-account key verifies against the JWKS made from sa.pub, its `kid` is
 * kube-apiserver's, and a token of another key does not verify.
 */
import {createHash, createPrivateKey, createPublicKey} from 'node:crypto'
import {createLocalJWKSet, jwtVerify, SignJWT} from 'jose'
import {describe, expect, it} from 'vitest'
import {generateKey, privateKeyPem, publicKeyPem} from '../../../src/pki/keys.js'
import {
  discoveryDocument,
  jwksAlgorithms,
  serviceAccountJwks,
  serviceAccountKeyId,
} from '../../../src/pki/oidc.js'

const ISSUER = 'https://demo-oidc.s3.us-east-1.amazonaws.com/clusters/demo'

async function token(privatePem: string, kid: string, alg: string) {
  return new SignJWT({'kubernetes.io': {namespace: 'media', serviceaccount: {name: 'uploader'}}})
    .setProtectedHeader({alg, kid})
    .setIssuer(ISSUER)
    .setSubject('system:serviceaccount:media:uploader')
    .setAudience('sts.amazonaws.com')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(createPrivateKey(privatePem)) // the PEM as sa.key holds it (PKCS#1 for RSA)
}

describe('service-account issuer documents', () => {
  it.each([
    ['RSA-2048', 'RS256'],
    ['ECDSA-P256', 'ES256'],
  ] as const)(
    'a token signed with the %s service-account key verifies against the JWKS',
    async (algorithm, alg) => {
      const pair = await generateKey(algorithm)
      const jwks = JSON.parse(serviceAccountJwks([publicKeyPem(pair.publicKey)]))
      expect(jwks.keys).toHaveLength(1)
      expect(jwks.keys[0]).toMatchObject({use: 'sig', alg, kid: serviceAccountKeyId(pair.publicKey)})
      expect(jwks.keys[0].d).toBeUndefined() // never the private part
      const kid = jwks.keys[0].kid as string
      const signed = await token(privateKeyPem(pair.privateKey), kid, alg)
      const {payload} = await jwtVerify(signed, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience: 'sts.amazonaws.com',
      })
      expect(payload.sub).toBe('system:serviceaccount:media:uploader')

      const other = await generateKey(algorithm)
      const forged = await token(privateKeyPem(other.privateKey), kid, alg)
      await expect(jwtVerify(forged, createLocalJWKSet(jwks), {issuer: ISSUER})).rejects.toThrow(/signature/)
    },
  )

  it("uses kube-apiserver's key id: base64url SHA-256 of the key's PKIX DER", async () => {
    const pair = await generateKey('RSA-2048')
    const der = createPublicKey(publicKeyPem(pair.publicKey)).export({type: 'spki', format: 'der'})
    expect(serviceAccountKeyId(pair.publicKey)).toBe(createHash('sha256').update(der).digest('base64url'))
  })

  it('the discovery document names the issuer, the JWKS and the keys’ algorithms', async () => {
    const pair = await generateKey('RSA-2048')
    const jwks = serviceAccountJwks([publicKeyPem(pair.publicKey)])
    expect(JSON.parse(discoveryDocument(ISSUER, `${ISSUER}/openid/v1/jwks`, jwksAlgorithms(jwks)))).toEqual({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    })
  })
})
