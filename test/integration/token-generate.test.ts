import {describe, expect, it} from 'vitest'
import {runKforge} from '../support/cli.js'

describe('kforge token generate', () => {
  it('prints a fresh kubeadm-format token, unredacted, and nothing else', async () => {
    const [a, b] = await Promise.all([runKforge(['token', 'generate']), runKforge(['token', 'generate'])])
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}\n$/)
      expect(r.stderr).toBe('')
    }
    expect(a.stdout).not.toBe(b.stdout)
  })

  it('prints JSON with -o json', async () => {
    const r = await runKforge(['token', 'generate', '-o', 'json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/)
  })
})
