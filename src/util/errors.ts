/**
 * An error whose message is written for the user: it names the file, field or resource at fault
 * and what was expected. Commands print `message` alone (no stack) and exit non-zero.
 */
export class KforgeError extends Error {
  /** Process exit code; 1 unless a command documents another. */
  readonly exitCode: number

  constructor(message: string, options: {exitCode?: number; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'KforgeError'
    this.exitCode = options.exitCode ?? 1
  }
}

/** Several user-facing problems found at once (validation reports all of them, not the first). */
export class ValidationError extends KforgeError {
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(problems.join('\n'))
    this.name = 'ValidationError'
    this.problems = problems
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
