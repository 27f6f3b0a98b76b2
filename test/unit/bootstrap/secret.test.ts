import {describe, expect, it} from 'vitest'
import {
  authenticateToken,
  formatExpiration,
  isTokenSecretExpired,
  readTokenSecret,
  type SecretObject,
  secretToToken,
  signingTokenOfSecret,
  tokenToSecret,
} from '../../../src/bootstrap/secret.js'
import {parseToken} from '../../../src/bootstrap/token.js'

const token = parseToken('abcdef.0123456789abcdef')
const now = new Date('2018-09-09T00:00:11.345Z')
const decode = (s: SecretObject) =>
  Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))

describe('bootstrap token Secret', () => {
  it("writes kubeadm's layout", () => {
    const s = tokenToSecret(
      {
        token,
        description: 'made by test',
        ttlMs: 24 * 3600 * 1000,
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
      now,
    )
    expect(s.metadata).toEqual({name: 'bootstrap-token-abcdef', namespace: 'kube-system'})
    expect(s.type).toBe('bootstrap.kubernetes.io/token')
    expect(decode(s)).toEqual({
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      description: 'made by test',
      expiration: '2018-09-10T00:00:11Z',
      'usage-bootstrap-signing': 'true',
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
    })
  })

  it('omits expiration when the TTL is 0 and description/groups when unset', () => {
    const d = decode(tokenToSecret({token, ttlMs: 0, usages: ['signing']}, now))
    expect(Object.keys(d).sort()).toEqual(['token-id', 'token-secret', 'usage-bootstrap-signing'])
  })

  it('round-trips through secretToToken', () => {
    const expires = new Date('2030-01-02T03:04:05Z')
    const spec = secretToToken(
      tokenToSecret({token, expires, description: 'd', groups: ['system:bootstrappers:x']}),
    )
    expect(spec).toEqual({
      token,
      expires,
      description: 'd',
      usages: ['signing', 'authentication'],
      groups: ['system:bootstrappers:x'],
    })
  })

  it('reads stringData as the API server would', () => {
    const s: SecretObject = {
      metadata: {name: 'bootstrap-token-abcdef'},
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        'token-id': 'abcdef',
        'token-secret': '0123456789abcdef',
        'usage-bootstrap-signing': 'true',
      },
    }
    expect(signingTokenOfSecret(s, now)).toEqual(token)
  })

  it('enables a usage only for the exact value "true"', () => {
    const s = tokenToSecret({token, usages: ['signing']})
    s.data!['usage-bootstrap-signing'] = Buffer.from('True').toString('base64')
    s.data!['usage-bootstrap-authentication'] = Buffer.from('yes').toString('base64')
    expect(readTokenSecret(s).usages).toEqual([])
    expect(signingTokenOfSecret(s)).toBeUndefined()
    expect(authenticateToken(s, token)).toBeUndefined()
  })

  it('treats past and unparsable expirations as expired', () => {
    const past = tokenToSecret({token, expires: new Date(now.getTime() - 1000)})
    expect(isTokenSecretExpired(past, now)).toBe(true)
    expect(signingTokenOfSecret(past, now)).toBeUndefined()
    const bad = tokenToSecret({token})
    bad.data!.expiration = Buffer.from('tomorrow').toString('base64')
    expect(isTokenSecretExpired(bad, now)).toBe(true)
    expect(signingTokenOfSecret(bad, now)).toBeUndefined()
    expect(() => secretToToken(bad)).toThrow(/data.expiration/)
    const future = tokenToSecret({token, ttlMs: 1000}, now)
    expect(isTokenSecretExpired(future, now)).toBe(false)
    expect(formatExpiration(new Date('2018-09-10T00:00:11.999Z'))).toBe('2018-09-10T00:00:11Z')
  })

  it('ignores secrets of the wrong type, name or shape', () => {
    const s = tokenToSecret({token})
    expect(signingTokenOfSecret({...s, type: 'Opaque'})).toBeUndefined()
    expect(signingTokenOfSecret({...s, metadata: {name: 'bootstrap-token-zzzzzz'}})).toBeUndefined()
    const short = tokenToSecret({token})
    short.data!['token-secret'] = Buffer.from('0123').toString('base64')
    expect(signingTokenOfSecret(short)).toBeUndefined()
    expect(() => secretToToken(short)).toThrow(/bootstrap-token-abcdef: not a valid bootstrap token Secret/)
  })

  it('authenticates as system:bootstrap:<id> with the bootstrap groups', () => {
    const s = tokenToSecret({token, groups: ['system:bootstrappers:kubeadm:default-node-token']})
    expect(authenticateToken(s, token, now)).toEqual({
      user: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'],
    })
    expect(authenticateToken(s, parseToken('abcdef.0123456789abcdee'), now)).toBeUndefined()
    const signingOnly = tokenToSecret({token, usages: ['signing']})
    expect(authenticateToken(signingOnly, token, now)).toBeUndefined()
    const badGroup = tokenToSecret({token})
    badGroup.data!['auth-extra-groups'] = Buffer.from('system:masters').toString('base64')
    expect(authenticateToken(badGroup, token, now)).toBeUndefined()
  })

  it('refuses invalid usages and groups when writing', () => {
    expect(() => tokenToSecret({token, groups: ['system:masters']})).toThrow(/groups\[0\]/)
    // biome-ignore lint/suspicious/noExplicitAny: deliberately passing an invalid usage
    expect(() => tokenToSecret({token, usages: ['everything' as any]})).toThrow(/usages\[0\]/)
  })
})
