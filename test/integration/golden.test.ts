/**
 * Golden files (kops's tests/integration/update_cluster): for each cluster of
 * test/fixtures/golden/cases.ts, the spec, the direct plan, the CloudFormation template and every
 * group's user-data exactly as kforge writes them now (normalised: test/fixtures/golden/README.md)
 * must equal the files checked in. Any difference fails with a unified diff per file.
 *
 * `npm run golden` (KFORGE_UPDATE_GOLDEN=1) writes the files instead; read the diff in git before
 * committing them.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {GOLDEN_CASES} from '../fixtures/golden/cases.js'
import {type GoldenFiles, generateCase} from '../fixtures/golden/generate.js'
import {unifiedDiff} from '../fixtures/golden/unified-diff.js'
import {repoRoot} from '../support/cli.js'

const UPDATE = process.env.KFORGE_UPDATE_GOLDEN === '1'
const REGENERATE = 'npm run golden'
const root = join(repoRoot, 'test', 'fixtures', 'golden')
/** Diff lines shown per file before the rest is summarised. */
const MAX_DIFF_LINES = 200

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
}

function capped(diff: string): string {
  const lines = diff.split('\n')
  if (lines.length <= MAX_DIFF_LINES) return diff
  return `${lines.slice(0, MAX_DIFF_LINES).join('\n')}\n… ${lines.length - MAX_DIFF_LINES} more diff lines\n`
}

/** Every difference between the golden directory and `produced`, as text a reader can act on. */
function differences(dir: string, produced: GoldenFiles): string[] {
  const out: string[] = []
  const shown = relative(repoRoot, dir)
  for (const [path, text] of [...produced].sort(([a], [b]) => a.localeCompare(b))) {
    const file = join(dir, path)
    if (!existsSync(file)) {
      out.push(`${shown}/${path}: missing (kforge now writes it)`)
      continue
    }
    const diff = unifiedDiff(readFileSync(file, 'utf8'), text, {
      expected: `${shown}/${path} (golden)`,
      actual: `${shown}/${path} (kforge now)`,
    })
    if (diff) out.push(capped(diff))
  }
  for (const path of filesUnder(dir)) {
    if (!produced.has(path)) out.push(`${shown}/${path}: kforge no longer writes it`)
  }
  return out
}

function write(dir: string, produced: GoldenFiles): void {
  for (const path of filesUnder(dir)) if (!produced.has(path)) rmSync(join(dir, path))
  for (const [path, text] of produced) {
    mkdirSync(dirname(join(dir, path)), {recursive: true})
    writeFileSync(join(dir, path), text)
  }
}

const produced = new Map<string, GoldenFiles>()

beforeAll(async () => {
  const endpoint = inject('awsEndpoint')
  const stateStore = await emulatorStateStore('us-east-1', 'kforge-golden')
  const results = await Promise.all(GOLDEN_CASES.map((c) => generateCase({endpoint, stateStore}, c)))
  for (const [i, c] of GOLDEN_CASES.entries()) produced.set(c.dir, results[i]!)
}, 180_000)

describe('golden files', () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.dir}: ${c.name} — spec, plan, CloudFormation and user-data as checked in`, () => {
      const dir = join(root, c.dir)
      const files = produced.get(c.dir)!
      if (UPDATE) {
        write(dir, files)
        return
      }
      const diffs = differences(dir, files)
      if (diffs.length > 0) {
        throw new Error(
          `${diffs.length} golden file(s) of ${c.dir} (${c.shows}) differ from what kforge writes now.\n` +
            `If the change is intended, regenerate with \`${REGENERATE}\`, read the diff and commit it.\n` +
            '(The test runs the built CLI: after changing src/, `npm run build` before running it alone.)\n\n' +
            diffs.join('\n'),
        )
      }
      expect(filesUnder(dir)).toEqual([...files.keys()].sort())
    })
  }
})
