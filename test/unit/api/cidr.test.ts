import {describe, expect, it} from 'vitest'
import {
  allocate,
  cidrProblem,
  cidrSize,
  contains,
  formatCidr,
  overlaps,
  parseCidr,
  split,
} from '../../../src/api/cidr.js'

const c = parseCidr

describe('cidr', () => {
  it('parses and formats canonical CIDRs', () => {
    expect(formatCidr(c('10.0.0.0/16'))).toBe('10.0.0.0/16')
    expect(formatCidr(c('255.255.255.255/32'))).toBe('255.255.255.255/32')
    expect(formatCidr(c('0.0.0.0/0'))).toBe('0.0.0.0/0')
    expect(cidrSize(c('10.0.0.0/16'))).toBe(65536)
    expect(c('192.168.1.0/24').base).toBe(0xc0a80100)
  })

  it('names what is wrong with a bad CIDR', () => {
    expect(cidrProblem('10.0.0.0')).toBe('is not an IPv4 CIDR like 10.0.0.0/16')
    expect(cidrProblem('10.0.0.256/24')).toBe('has an octet above 255')
    expect(cidrProblem('10.0.0.0/33')).toBe('has a prefix longer than /32')
    expect(cidrProblem('10.0.1.0/16')).toBe('has host bits set (did you mean 10.0.0.0/16?)')
    expect(cidrProblem('10.0.0.0/16')).toBeUndefined()
    expect(() => c('nope')).toThrow('"nope" is not an IPv4 CIDR')
  })

  it('contains and overlaps, including the top of the address space', () => {
    expect(contains(c('10.0.0.0/16'), c('10.0.32.0/19'))).toBe(true)
    expect(contains(c('10.0.0.0/16'), c('10.1.0.0/19'))).toBe(false)
    expect(contains(c('10.0.0.0/19'), c('10.0.0.0/16'))).toBe(false)
    expect(contains(c('0.0.0.0/0'), c('203.0.113.0/24'))).toBe(true)
    expect(contains(c('64.0.0.0/2'), c('255.255.0.0/16'))).toBe(false)
    expect(contains(c('192.0.0.0/2'), c('255.255.0.0/16'))).toBe(true)
    expect(contains(c('128.0.0.0/1'), c('255.255.0.0/16'))).toBe(true)
    expect(overlaps(c('100.64.0.0/13'), c('100.96.0.0/11'))).toBe(false)
    expect(overlaps(c('100.64.0.0/10'), c('100.96.0.0/11'))).toBe(true)
    expect(overlaps(c('10.0.0.0/24'), c('10.0.1.0/24'))).toBe(false)
  })

  it('splits into subnets in address order', () => {
    expect(split(c('10.0.0.0/16'), 18).map(formatCidr)).toEqual([
      '10.0.0.0/18',
      '10.0.64.0/18',
      '10.0.128.0/18',
      '10.0.192.0/18',
    ])
    expect(split(c('10.0.0.0/24'), 24).map(formatCidr)).toEqual(['10.0.0.0/24'])
    expect(() => split(c('10.0.0.0/24'), 23)).toThrow('cannot split 10.0.0.0/24 into /23 subnets')
  })

  it('allocates the first free block around taken ranges', () => {
    const vpc = c('10.0.0.0/16')
    expect(formatCidr(allocate(vpc, 19, [])!)).toBe('10.0.0.0/19')
    expect(formatCidr(allocate(vpc, 19, [c('10.0.0.0/19'), c('10.0.40.0/24')])!)).toBe('10.0.64.0/19')
    expect(formatCidr(allocate(vpc, 22, [c('10.0.0.0/17')])!)).toBe('10.0.128.0/22')
    expect(allocate(c('10.0.0.0/24'), 25, [c('10.0.0.0/25'), c('10.0.0.128/25')])).toBeUndefined()
    expect(allocate(c('10.0.0.0/24'), 23, [])).toBeUndefined()
  })
})
