/**
 * The architecture check `npm run lint` runs: it passes on this repository, and on a small tree
 * that breaks each wall it names every breach (so a pass means the walls hold, not that the
 * checker saw nothing).
 */
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'check-architecture.mjs')
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

function check(root?: string) {
  return spawnSync(process.execPath, [script, ...(root ? [root] : [])], {encoding: 'utf8'})
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kforge-arch-'))
  dirs.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), {recursive: true})
    writeFileSync(join(root, path), text)
  }
  return root
}

describe('check-architecture', () => {
  it('passes on this repository', () => {
    const r = check()
    expect({status: r.status, stderr: r.stderr}).toEqual({status: 0, stderr: ''})
  })

  it('names oclif below the edge, environment reads, upward imports and import circles', () => {
    const root = tree({
      'src/phases/flow.ts': "import {Flags} from '@oclif/core'\nexport const f = Flags\n",
      'src/cloud/poll.ts': 'export const ms = Number(process.env.KFORGE_POLL_MS)\n',
      'src/render/up.ts': "import {f} from '../phases/flow.js'\nexport const g = f\n",
      'src/state/a.ts': "import type {B} from './b.js'\nexport type A = B\n",
      'src/state/b.ts': "import type {A} from './a.js'\nexport type B = A | string\n",
      'src/cli/ok.ts': "import {Flags} from '@oclif/core'\nexport const home = process.env.HOME ?? Flags\n",
    })
    const r = check(root)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('src/phases/flow.ts: imports @oclif/core')
    expect(r.stderr).toContain('src/cloud/poll.ts: reads process.env')
    expect(r.stderr).toContain('src/render/up.ts: imports src/phases/flow.ts, a layer above it')
    expect(r.stderr).toContain('import circle: src/state/a.ts <-> src/state/b.ts')
    expect(r.stderr).not.toContain('src/cli/ok.ts')
    expect(r.stderr).toContain('4 architecture problem(s)')
  })
})
