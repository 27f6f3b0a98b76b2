/**
 * YAML documents with lines: a mapping of very many keys parses in time linear in its size (the
 * YAML library's duplicate-key check compared every key with every earlier one: 200,000 keys took
 * minutes), and duplicate keys are still reported, each at its line.
 */
import {describe, expect, it} from 'vitest'
import {parseDocuments} from '../../../src/api/parse.js'
import {Problems} from '../../../src/api/problems.js'

const bigMap = (n: number) =>
  `kind: Cluster\nlabels:\n${Array.from({length: n}, (_, i) => `  k${i}: v${i}`).join('\n')}\n`

describe('parseDocuments', () => {
  it('parses a mapping of 100,000 keys well inside a minute, and finds a field of it by line', () => {
    const problems = new Problems('big.yaml')
    const started = Date.now()
    const [doc] = parseDocuments(bigMap(100_000), problems)
    // Quadratic, this took tens of minutes; linear, seconds even on a loaded machine.
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(problems.list).toEqual([])
    expect(Object.keys((doc!.value as {labels: object}).labels)).toHaveLength(100_000)
    expect(doc!.lineOf(['labels', 'k99999'])).toBe(100_002)
    for (let i = 0; i < 1000; i++) doc!.lineOf(['labels', `k${i * 97}`])
  }, 120_000)

  it('reports every duplicate key at its line and gives no value for that document', () => {
    const problems = new Problems('dup.yaml')
    const [doc] = parseDocuments('kind: Cluster\nspec:\n  a: 1\n  b: 2\n  a: 3\nkind: Other\n', problems)
    expect(problems.list).toEqual([
      'dup.yaml: line 5: Map keys must be unique',
      'dup.yaml: line 6: Map keys must be unique',
    ])
    expect(doc!.value).toBeUndefined()
  })
})
