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

describe('component arguments (kubeadm v1.37 ArgumentsToCommand)', () => {
  const base = [
    {name: 'b', value: '1'},
    {name: 'a', value: '1'},
    {name: 'c', value: '1'},
  ]

  it('replaces every default of an overridden name, defaults sorted first', () => {
    expect(argsToCommand(base, [{name: 'c', value: '2'}])).toEqual(['--a=1', '--b=1', '--c=2'])
    expect(
      argsToCommand(
        [...base, {name: 'c', value: '0'}],
        [
          {name: 'e', value: '1'},
          {name: 'b', value: '2'},
          {name: 'd', value: '1'},
        ],
      ),
    ).toEqual(['--a=1', '--c=0', '--c=1', '--e=1', '--b=2', '--d=1'])
  })

  it('keeps repeated user arguments in their order, after the defaults', () => {
    expect(
      mergeArgs(base, [
        {name: 'b', value: 'y'},
        {name: 'b', value: 'x'},
      ]),
    ).toEqual([
      {name: 'a', value: '1'},
      {name: 'c', value: '1'},
      {name: 'b', value: 'y'},
      {name: 'b', value: 'x'},
    ])
  })

  it('appends or prepends a v1 argument to the default of its name, in place', () => {
    const defaults = [
      {name: 'enable-admission-plugins', value: 'NodeRestriction'},
      {name: 'authorization-mode', value: 'Node,RBAC'},
      {name: 'allow-privileged', value: 'true'},
    ]
    expect(
      argsToCommand(defaults, [
        {name: 'v', value: '2'},
        {name: 'authorization-mode', value: ',Webhook', mergeMethod: 'append'},
        {name: 'enable-admission-plugins', value: 'PodSecurity,', mergeMethod: 'prepend'},
      ]),
    ).toEqual([
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC,Webhook',
      '--enable-admission-plugins=PodSecurity,NodeRestriction',
      '--v=2',
    ])
  })

  it('lets the last argument of a name decide, and drops a merge with no default to merge into', () => {
    const defaults = [{name: 'admission-control', value: 'NamespaceLifecycle'}]
    expect(
      argsToCommand(defaults, [
        {name: 'admission-control', value: ',First', mergeMethod: 'append'},
        {name: 'admission-control', value: ',Last', mergeMethod: 'append'},
      ]),
    ).toEqual(['--admission-control=NamespaceLifecycle,Last'])
    expect(
      argsToCommand(defaults, [
        {name: 'admission-control', value: ',First', mergeMethod: 'append'},
        {name: 'admission-control', value: 'Replaced'},
      ]),
    ).toEqual(['--admission-control=Replaced'])
    expect(argsToCommand(defaults, [{name: 'other', value: ',x', mergeMethod: 'append'}])).toEqual([
      '--admission-control=NamespaceLifecycle',
    ])
  })
})
