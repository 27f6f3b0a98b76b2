/**
 * Progress for long operations: one line per phase (or per resource) as its status changes,
 * on stderr so stdout stays parseable. On a terminal a running step shows `…` and is rewritten
 * in place when it finishes; in logs and CI every transition is its own line.
 */
import type {PhaseEvent, PhaseReporter} from '../phases/workflow.js'
import {redact} from '../util/redact.js'

const MARK: Record<PhaseEvent['status'], string> = {running: '…', done: '✓', skipped: '-', failed: '✗'}

export interface ProgressOptions {
  stream?: NodeJS.WritableStream & {isTTY?: boolean}
  /** Suppress everything (`-o json` callers that only want the final object still get stderr errors). */
  quiet?: boolean
}

export function formatPhaseEvent(event: PhaseEvent): string {
  const indent = '  '.repeat(event.depth)
  const took =
    event.elapsedMs === undefined || event.status === 'skipped' ? '' : ` (${formatMs(event.elapsedMs)})`
  const why = event.reason && event.status !== 'done' ? `: ${event.reason}` : ''
  return `${MARK[event.status]} ${indent}${event.path}${took}${why}`
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`
}

export function progressReporter(options: ProgressOptions = {}): PhaseReporter {
  const stream = options.stream ?? process.stderr
  const tty = Boolean(stream.isTTY)
  let pendingRunning = false
  return (event) => {
    if (options.quiet) return
    const line = redact(formatPhaseEvent(event))
    if (event.status === 'running') {
      if (tty) {
        stream.write(line)
        pendingRunning = true
      }
      return
    }
    if (tty && pendingRunning) stream.write('\r\x1b[2K')
    pendingRunning = false
    stream.write(`${line}\n`)
  }
}
