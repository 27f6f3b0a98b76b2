import {describe, expect, it} from 'vitest'
import {argsToCommand, mergeArgs} from '../../../src/kubeadm/args.js'
import {formatDuration, parseDuration} from '../../../src/kubeadm/duration.js'

describe('Go durations', () => {
  it.each([
    ['24h0m0s', 86_400_000],
    ['5m', 300_000],
    ['1.5h', 5_400_000],
    ['90s', 90_000],
    ['300ms', 300],
    ['1h30m', 5_400_000],
    ['0', 0],
    ['0s', 0],
    ['-1m', -60_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', '5', 'h', '5 m', '5d', '1h-5m', 'abc'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  )

  it("formats like Go's time.Duration", () => {
    expect(formatDuration(86_400_000)).toBe('24h0m0s')
    expect(formatDuration(300_000)).toBe('5m0s')
    expect(formatDuration(1500)).toBe('1.5s')
    expect(formatDuration(0)).toBe('0s')
    expect(formatDuration(250)).toBe('250ms')
  })
})

describe('component arguments', () => {
  const base = [
    {name: 'b', value: '1'},
    {name: 'a', value: '1'},
    {name: 'c', value: '1'},
  ]

  it('replaces every default of an overridden name and sorts by name', () => {
    expect(argsToCommand(base, [{name: 'c', value: '2'}])).toEqual(['--a=1', '--b=1', '--c=2'])
  })

  it('keeps repeated user arguments in their order (v1beta4)', () => {
    expect(
      mergeArgs(base, [
        {name: 'b', value: 'y'},
        {name: 'b', value: 'x'},
      ]),
    ).toEqual([
      {name: 'a', value: '1'},
      {name: 'b', value: 'y'},
      {name: 'b', value: 'x'},
      {name: 'c', value: '1'},
    ])
  })
})
