import {describe, expect, it} from 'vitest'
import {runKforge} from '../support/cli.js'

describe('kforge --help', () => {
  it('lists every topic of the command-line contract', async () => {
    const r = await runKforge(['--help'])
    expect(r.code).toBe(0)
    const listed = new Set([...r.stdout.matchAll(/^ {2}([a-z-]+)\s/gm)].map((m) => m[1]))
    for (const topic of [
      'create',
      'get',
      'update',
      'delete',
      'validate',
      'export',
      'rolling-update',
      'upgrade',
      'init',
      'join',
      'reset',
      'token',
    ]) {
      expect(listed, topic).toContain(topic)
    }
  })
})
