/**
 * Where the tests' temporary files go, and when they are removed. Every test run gets one
 * directory under the system's temporary directory, and every test file one inside it; the file's
 * goes when the file ends, the run's when the run ends (catching a file whose worker died). Tests
 * make their directories with `tempDir()` or `mkdtemp(tmpdir())`, and the CLI and daemons they
 * start inherit TMPDIR, so all of it lands here.
 *
 * Why: the etcd tests alone left about 6 GiB per run in /tmp (etcd preallocates its 64 MiB
 * write-ahead-log segments, three members at a time), the real suite's mirrors hundreds of MiB
 * more, and a CI machine's disk filled in the middle of the real-Kubernetes suite.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** Makes a directory under the current temporary directory and points TMPDIR at it. */
export function enterTempRoot(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.env.TMPDIR = dir
  return dir
}

/** Removes a temporary root; a leftover mount or a vanished file must not fail the run. */
export function removeTempRoot(dir: string): void {
  try {
    rmSync(dir, {recursive: true, force: true, maxRetries: 3})
  } catch (err) {
    console.warn(`could not remove ${dir}: ${(err as Error).message}`)
  }
}
