import {describe, expect, it} from 'vitest'
import {changes, tagChanges} from '../../../../src/cloud/aws/model/diff.js'
import {
  hasUnknown,
  mapRefs,
  refTargets,
  showText,
  showValue,
  unknownValue,
} from '../../../../src/cloud/aws/model/refs.js'
import {ref} from '../../../../src/cloud/aws/model/types.js'

describe('references', () => {
  const props = {
    vpcId: ref('vpc'),
    groups: [ref('sg-a'), 'sg-literal', ref('sg-b')],
    doc: {Resource: ref('key', 'arn')},
  }

  it('finds every target once, in order', () => {
    expect(refTargets(props)).toEqual(['vpc', 'sg-a', 'sg-b', 'key'])
  })

  it('replaces refs at any depth and leaves other values', () => {
    expect(mapRefs(props, (r) => `${r.target}:${r.attr}`)).toEqual({
      vpcId: 'vpc:id',
      groups: ['sg-a:id', 'sg-literal', 'sg-b:id'],
      doc: {Resource: 'key:arn'},
    })
  })

  it('marks values unknown until apply and shows them readably', () => {
    const resolved = mapRefs(props, (r) => (r.target === 'vpc' ? 'vpc-1' : unknownValue(r)))
    expect(hasUnknown(resolved)).toBe(true)
    expect(hasUnknown({a: 'vpc-1', b: ['x']})).toBe(false)
    expect(showValue(unknownValue(ref('sg-a')))).toBe('(known after apply)')
    expect(showText(`tcp/22 from ${unknownValue(ref('sg-bastion'))}`)).toBe('tcp/22 from <sg-bastion>')
  })
})

describe('diff', () => {
  it('reports changed fields only, unknown desired values always, unmanaged (undefined) never', () => {
    expect(
      changes(
        ['min', 1, 1],
        ['max', 3, 2],
        ['subnets', ['a', 'b'], ['a', 'b']],
        ['ignored', undefined, 'x'],
        ['vpc', unknownValue(ref('vpc')), 'vpc-1'],
      ),
    ).toEqual([
      {field: 'max', old: 2, new: 3},
      {field: 'vpc', old: 'vpc-1', new: unknownValue(ref('vpc'))},
    ])
  })

  it('compares objects regardless of key order', () => {
    expect(changes(['doc', {a: 1, b: {c: 2, d: 3}}, {b: {d: 3, c: 2}, a: 1}])).toEqual([])
  })

  it('sets missing or different tags and leaves tags others added', () => {
    expect(tagChanges({Name: 'n', owner: 'x'}, {Name: 'old', added: 'by-user'})).toEqual([
      {field: 'tags.Name', old: 'old', new: 'n'},
      {field: 'tags.owner', old: undefined, new: 'x'},
    ])
  })
})
