import {redact} from './redact.js'

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

const ORDER: Record<LogLevel, number> = {error: 0, warn: 1, info: 2, debug: 3}

/** Where log lines go; tests pass an array-backed sink. */
export type LogSink = (line: string) => void

/**
 * The one logger: levels, and every line passes through the redactor. Logs go to stderr so that
 * stdout stays clean for `-o json|yaml` output a script can parse.
 */
export class Logger {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly sink: LogSink = (line) => process.stderr.write(`${line}\n`),
  ) {}

  enabled(level: LogLevel): boolean {
    return ORDER[level] <= ORDER[this.level]
  }

  log(level: LogLevel, message: string): void {
    if (this.enabled(level)) this.sink(redact(message))
  }

  error(message: string): void {
    this.log('error', message)
  }
  warn(message: string): void {
    this.log('warn', message)
  }
  info(message: string): void {
    this.log('info', message)
  }
  debug(message: string): void {
    this.log('debug', message)
  }
}

/** A logger that drops everything (library defaults; tests that do not look at logs). */
export const silentLogger = new Logger('error', () => {})
