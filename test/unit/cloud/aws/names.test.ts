/**
 * AWS names derived from a cluster name never collide: `demo.example.com` and `demo-example.com`
 * once shared a KMS alias and a target group (ELB and KMS names have no '.'), so the second cluster
 * re-tagged the first one's key and its delete scheduled that key for deletion.
 */
import {describe, expect, it} from 'vitest'
import {awsNames, clusterHash, NAME_RULES} from '../../../../src/cloud/aws/build/names.js'

const label = (n: number, c = 'a') => c.repeat(n)
/** The longest DNS name the spec accepts: 253 characters. */
const LONGEST = [label(63), label(63, 'b'), label(63, 'c'), label(61, 'd')].join('.')
const GROUP = label(63, 'g')

type Named = [keyof typeof NAME_RULES, (cluster: string) => string]
const every: Named[] = [
  ['kmsAlias', (c) => awsNames.kmsAlias(c)],
  ['elb', (c) => awsNames.apiLoadBalancer(c)],
  ['elb', (c) => awsNames.apiTargetGroup(c)],
  ['iamRole', (c) => awsNames.instanceRole('control-plane', c)],
  ['launchTemplate', (c) => awsNames.launchTemplate(GROUP, c)],
  ['autoScalingGroup', (c) => awsNames.autoScalingGroup(GROUP, c)],
  ['securityGroup', (c) => awsNames.securityGroup('control-plane', c)],
  ['keyPair', (c) => awsNames.keyPair(c)],
  ['cloudFormationStack', (c) => awsNames.cloudFormationStack(c)],
  ['lifecycleHook', (c) => awsNames.lifecycleHook(c)],
]

describe('names derived from a cluster name', () => {
  it('differ for clusters whose names differ only in punctuation', () => {
    for (const [rule, name] of every) {
      expect(name('demo.example.com'), rule).not.toBe(name('demo-example.com'))
    }
    expect(awsNames.kmsAlias('demo.example.com')).toMatch(/^alias\/kforge\/demo-example-com-[0-9a-f]{10}$/)
  })

  it('differ for long names that share the part that is kept readable', () => {
    const a = `${LONGEST.slice(0, 240)}.x`
    const b = `${LONGEST.slice(0, 240)}.y`
    for (const [rule, name] of every) expect(name(a), rule).not.toBe(name(b))
  })

  it('differ for names IAM would compare case-blind', () => {
    expect(awsNames.instanceRole('nodes', 'Demo.example.com').toLowerCase()).not.toBe(
      awsNames.instanceRole('nodes', 'demo.example.com').toLowerCase(),
    )
  })

  it("stay within each service's length and characters for the longest cluster name", () => {
    for (const [rule, name] of every) {
      const n = name(LONGEST)
      expect(n.length, `${rule}: ${n}`).toBeLessThanOrEqual(NAME_RULES[rule].max)
      expect(n.match(NAME_RULES[rule].refused), `${rule}: ${n}`).toBeNull()
      expect(n.endsWith(clusterHash(LONGEST)), rule).toBe(true)
    }
    const lb = awsNames.apiLoadBalancer(LONGEST)
    expect(lb).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/)
    expect(lb.startsWith('internal-')).toBe(false)
  })

  it('are readable and the same on every run', () => {
    expect(awsNames.launchTemplate('nodes', 'demo.example.com')).toBe(
      `nodes.demo.example.com-${clusterHash('demo.example.com')}`,
    )
    expect(awsNames.apiTargetGroup('demo.example.com')).toMatch(/^tg-api-demo-example-c-[0-9a-f]{10}$/)
    expect(clusterHash('demo.example.com')).toBe('b80da7a7f7')
  })
})
