import {describe, expect, it} from 'vitest'
import {mapLimit, runGraph} from '../../../../src/cloud/aws/model/concurrency.js'
import {sleep} from '../../../../src/cloud/aws/model/wait.js'

describe('runGraph', () => {
  it('runs each node after its deps, independent branches in parallel, never more than the limit', async () => {
    const started: string[] = []
    const finished: string[] = []
    let running = 0
    let peak = 0
    const nodes = [
      {name: 'vpc', deps: []},
      {name: 'subnet-a', deps: ['vpc']},
      {name: 'subnet-b', deps: ['vpc']},
      {name: 'subnet-c', deps: ['vpc']},
      {name: 'role', deps: []},
      {name: 'asg', deps: ['subnet-a', 'subnet-b', 'subnet-c', 'role']},
    ]
    await runGraph(nodes, 2, async (name) => {
      started.push(name)
      running++
      peak = Math.max(peak, running)
      await sleep(5)
      running--
      finished.push(name)
    })
    expect(peak).toBe(2)
    expect(started.indexOf('asg')).toBeGreaterThan(
      Math.max(...['subnet-a', 'subnet-b', 'subnet-c', 'role'].map((n) => finished.indexOf(n))),
    )
    for (const s of ['subnet-a', 'subnet-b', 'subnet-c'])
      expect(started.indexOf(s)).toBeGreaterThan(finished.indexOf('vpc'))
    expect(finished).toHaveLength(6)
  })

  it('starts nothing new after a failure, lets running work finish, and throws', async () => {
    const done: string[] = []
    const nodes = [
      {name: 'a', deps: []},
      {name: 'b', deps: []},
      {name: 'c', deps: ['a']},
    ]
    await expect(
      runGraph(nodes, 2, async (name) => {
        if (name === 'a') throw new Error('a broke')
        await sleep(10)
        done.push(name)
      }),
    ).rejects.toThrow('a broke')
    expect(done).toEqual(['b'])
  })

  it('names a cycle', async () => {
    await expect(
      runGraph(
        [
          {name: 'x', deps: ['y']},
          {name: 'y', deps: ['x']},
        ],
        2,
        async () => {},
      ),
    ).rejects.toThrow('dependency cycle among: x, y')
  })
})

describe('mapLimit', () => {
  it('keeps order and bounds parallelism', async () => {
    let running = 0
    let peak = 0
    const out = await mapLimit([5, 1, 3, 2], 2, async (n) => {
      running++
      peak = Math.max(peak, running)
      await sleep(n)
      running--
      return n * 10
    })
    expect(out).toEqual([50, 10, 30, 20])
    expect(peak).toBe(2)
  })
})
