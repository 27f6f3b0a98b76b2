/** One line per resource as it changes state, on stderr through the logger. */
import type {Logger} from '../../../util/logger.js'

export type Progress = (line: string) => void

export function loggerProgress(logger: Logger): Progress {
  return (line) => logger.info(line)
}

export function seconds(startedMs: number): string {
  return `${((performance.now() - startedMs) / 1000).toFixed(1)}s`
}
