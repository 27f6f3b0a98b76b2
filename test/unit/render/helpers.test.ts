import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {shellWord, yamlBlock, yamlScalar} from '../../../src/render/helpers.js'

describe('yamlScalar', () => {
  it.each([
    'plain',
    'with: colon',
    '#hash',
    "it's",
    'quote " and \\ backslash',
    'line\nbreak',
    '- dash',
    'yes',
    '0644',
  ])('round-trips %j as a string', (value) => {
    expect(parse(`k: ${yamlScalar(value)}`)).toEqual({k: value})
  })
  it('keeps numbers and booleans typed', () => {
    expect(parse(`k: ${yamlScalar(420)}`)).toEqual({k: 420})
    expect(parse(`k: ${yamlScalar(true)}`)).toEqual({k: true})
  })
  it('refuses objects', () => {
    expect(() => yamlScalar({a: 1})).toThrow(/expected a string/)
  })
})

describe('yamlBlock', () => {
  const roundTrip = (text: string) => parse(`a:\n  b: ${yamlBlock(text, 4)}\n  c: after\n`)
  it.each([
    'one line\n',
    'no final newline',
    'two trailing newlines\n\n',
    'tabs\tinside\n  and indented lines\n',
    'blank\n\nlines between\n',
    '#!/bin/bash\necho "$HOME" \'x\' # not a comment\n',
    'key: value\n- not a list\n',
  ])('round-trips %j exactly', (text) => {
    expect(roundTrip(text)).toEqual({a: {b: text, c: 'after'}})
  })
  it('renders an empty text as an empty string', () => {
    expect(roundTrip('')).toEqual({a: {b: '', c: 'after'}})
  })
  it('refuses text whose first line is indented (YAML would misread it)', () => {
    expect(() => yamlBlock('  indented\n', 4)).toThrow(/must not start with whitespace/)
    expect(() => yamlBlock('\n  indented\n', 4)).toThrow(/must not start with whitespace/)
  })
  it('refuses control characters', () => {
    expect(() => yamlBlock('bell\u0007\n', 4)).toThrow(/control characters/)
    expect(() => yamlBlock('crlf\r\n', 4)).toThrow(/control characters/)
  })
})

describe('shellWord', () => {
  it.each([
    'simple',
    'https://pkgs.k8s.io/core:/stable:/v1.37/deb/',
    "it's",
    'a b',
    '$(rm -rf /)',
    '`x`',
    '"q"',
    'x;y',
    '',
  ])('bash reads %j back as one word', (value) => {
    const out = execFileSync('bash', ['-c', `printf '%s' ${shellWord(value)}`]).toString()
    expect(out).toBe(value)
  })
})
