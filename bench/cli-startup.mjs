#!/usr/bin/env node
// Median wall time of CLI start-up paths over 10 runs each (target: < 0.5 s on the 2-core machine).
// Prints figures only; it asserts nothing. Run after `npm run build`: `node bench/cli-startup.mjs`.
import {spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'run.js')
const runs = Number(process.env.BENCH_RUNS ?? 10)
const state = mkdtempSync(join(tmpdir(), 'kforge-bench-'))

const cases = [
  ['kforge --help', ['--help']],
  [
    'kforge create cluster --dry-run -o yaml',
    [
      'create',
      'cluster',
      'bench.example.com',
      '--zones',
      'us-east-1a,us-east-1b,us-east-1c',
      '--dry-run',
      '-o',
      'yaml',
      '--state',
      state,
    ],
  ],
]

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

console.log(`CLI start-up, median of ${runs} runs (node ${process.version}, ${process.platform})`)
for (const [label, args] of cases) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(process.execPath, [bin, ...args], {encoding: 'utf8'})
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (r.status !== 0) {
      console.log(`${label}: failed (exit ${r.status}): ${r.stderr.trim().split('\n')[0]}`)
      break
    }
    times.push(ms)
  }
  if (times.length === runs) {
    console.log(
      `${label.padEnd(42)} median ${median(times).toFixed(0)} ms  (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
    )
  }
}
