import {describe, expect, it} from 'vitest'
import {signDetached, verifyDetached} from '../../../src/bootstrap/jws.js'

// cluster-bootstrap token/jws/jws_test.go
const id = 'joshua'
const secret = 'my voice is my passcode'
const content = 'Hello from the other side. I must have called a thousand times.'

describe('detached JWS (kubeadm vectors)', () => {
  it.each([
    [
      content,
      secret,
      'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8',
    ],
    ['', secret, 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..7Ui1ALizW4jXphVUB7xUqC9vLYLL9RZeOFfVLoB7Tgk'],
    [content, '', 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..UfkqvDGiIFxrMnFseDj9LYJOLNrvjW8aHhF71mvvAs8'],
  ])('signs %j with secret %j byte-identically and verifies it', (c, s, expected) => {
    expect(signDetached(c, id, s)).toBe(expected)
    expect(verifyDetached(c, expected, id, s)).toBe(true)
  })

  it('rejects content with "foo" appended', () => {
    const jws = 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8'
    expect(verifyDetached(`${content}foo`, jws, id, secret)).toBe(false)
  })

  it('rejects another key id, another secret, and a signature with the payload attached', () => {
    const jws = signDetached(content, id, secret)
    expect(verifyDetached(content, jws, 'joshub', secret)).toBe(false)
    expect(verifyDetached(content, jws, id, 'my voice is my passcodf')).toBe(false)
    const [header, , sig] = jws.split('.')
    const attached = `${header}.${Buffer.from(content).toString('base64url')}.${sig}`
    expect(verifyDetached(content, attached, id, secret)).toBe(false)
  })

  it('writes the protected header exactly as kubeadm does (alg then kid, no typ)', () => {
    const header = signDetached('x', 'abcdef', 'y').split('..')[0]!
    expect(Buffer.from(header, 'base64url').toString()).toBe('{"alg":"HS256","kid":"abcdef"}')
    expect(header).not.toContain('=')
  })
})
