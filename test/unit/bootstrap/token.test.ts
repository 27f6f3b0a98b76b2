import {describe, expect, it} from 'vitest'
import {
  formatToken,
  generateToken,
  parseToken,
  randomTokenString,
  secretsEqual,
  TOKEN_ALPHABET,
  tokensEqual,
  validateExtraGroups,
  validateUsages,
} from '../../../src/bootstrap/token.js'

describe('bootstrap tokens', () => {
  it('generates tokens of the kubeadm form that parse back', () => {
    for (let i = 0; i < 200; i++) {
      const t = generateToken()
      const s = formatToken(t)
      expect(s).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/)
      expect(parseToken(s)).toEqual(t)
    }
  })

  it('draws every character of the alphabet roughly uniformly', () => {
    const n = 36 * 2000
    const counts = new Map<string, number>()
    for (const ch of randomTokenString(n)) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    expect([...counts.keys()].sort().join('')).toBe(TOKEN_ALPHABET)
    // chi-squared with 35 degrees of freedom; 80 is far beyond the 0.9999 quantile (~72)
    const expected = n / 36
    const chi2 = [...counts.values()].reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0)
    expect(chi2).toBeLessThan(80)
  })

  it.each([
    'abcdef.0123456789abcdef\n',
    'ABCDEF.0123456789abcdef',
    'abcde.0123456789abcdef',
    'abcdef.0123456789abcde',
    'abcdef:0123456789abcdef',
    ' abcdef.0123456789abcdef',
    '',
  ])('rejects %j without echoing it', (bad) => {
    expect(() => parseToken(bad)).toThrow(/not of the form/)
    try {
      parseToken(bad)
    } catch (err) {
      if (bad.length > 6) expect((err as Error).message).not.toContain(bad.trim())
    }
  })

  it('compares secrets exactly', () => {
    expect(secretsEqual('0123456789abcdef', '0123456789abcdef')).toBe(true)
    expect(secretsEqual('0123456789abcdef', '0123456789abcdee')).toBe(false)
    expect(secretsEqual('0123456789abcdef', '0123456789abcde')).toBe(false)
    const t = parseToken('abcdef.0123456789abcdef')
    expect(tokensEqual(t, parseToken('abcdef.0123456789abcdef'))).toBe(true)
    expect(tokensEqual(t, parseToken('abcdeg.0123456789abcdef'))).toBe(false)
  })

  it('validates extra groups and usages as kubeadm does', () => {
    expect(() =>
      validateExtraGroups(['system:bootstrappers:kubeadm:default-node-token', 'system:bootstrappers:a']),
    ).not.toThrow()
    expect(() => validateExtraGroups(['system:bootstrappers:'])).toThrow(/groups\[0\]/)
    expect(() => validateExtraGroups(['system:bootstrappers:foo-'])).toThrow(/groups\[0\]/)
    expect(() => validateExtraGroups(['system:nodes'])).toThrow(/groups\[0\]/)
    expect(() => validateExtraGroups([`system:bootstrappers:${'a'.repeat(257)}`])).toThrow()
    expect(validateUsages(['signing', 'authentication'])).toEqual(['signing', 'authentication'])
    expect(() => validateUsages(['signing', 'sign'])).toThrow(/usages\[1\].*"sign"/)
  })
})
