/** Writing node files from phases: one place that honours dry-run and says what it wrote. */
import {mkdir} from 'node:fs/promises'
import {writeFileAtomic} from '../../pki/files.js'
import type {PhaseContext} from '../workflow.js'
import {hostPath, type InitData} from './data.js'

/** Write `content` to the node path `path` (under the root dir) with `mode`, or describe it in dry-run. */
export async function writeNodeFile(
  d: InitData,
  ctx: PhaseContext,
  path: string,
  content: string,
  mode: number,
  what: string,
): Promise<void> {
  const file = hostPath(d, path)
  if (ctx.dryRun) {
    ctx.logger.info(`[dry-run] would write ${what} to ${file}`)
    ctx.logger.debug(content)
    return
  }
  await writeFileAtomic(file, content, mode)
  ctx.logger.info(`[${what}] wrote ${file}`)
}

export async function makeNodeDir(d: InitData, ctx: PhaseContext, path: string, mode: number): Promise<void> {
  if (ctx.dryRun) return
  await mkdir(hostPath(d, path), {recursive: true, mode})
}
