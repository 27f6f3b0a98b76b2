/**
 * Creates that neither take an idempotency token nor refuse a second copy (CreateVpc,
 * CreateSubnet, CreateInternetGateway, AllocateAddress, KMS CreateKey) must not be resent blindly
 * when their answer is lost: the first attempt may have made the resource, and a resend makes a
 * second. The SDK resends on a reset connection, a timeout or a 5xx; for these operations this
 * middleware, placed just inside the SDK's retry loop, turns those failures into
 * `OutcomeUnknownError`, which the loop does not retry. The caller then looks for what the first
 * attempt made (by the tags it set at creation) before creating again (model/adopt.ts).
 * Throttling is left alone: a throttled request was refused, so resending it is safe.
 */

/** The operations this applies to, by client and command name. */
export const UNTOKENED_CREATES: ReadonlySet<string> = new Set([
  'EC2:CreateVpc',
  'EC2:CreateSubnet',
  'EC2:CreateInternetGateway',
  'EC2:AllocateAddress',
  'KMS:CreateKey',
])

/** The request may or may not have taken effect. No `cause`: the SDK would retry on the cause's kind. */
export class OutcomeUnknownError extends Error {
  readonly operation: string
  readonly detail: string
  constructor(operation: string, detail: string) {
    super(`${operation}: no answer (${detail}); it may or may not have taken effect`)
    this.name = 'OutcomeUnknownError'
    this.operation = operation
    this.detail = detail
  }
}

const THROTTLING = /Throttl|RequestLimitExceeded|SlowDown|TooManyRequests|RequestThrottled/

/** A failure after which the request may have been acted on. ECONNREFUSED: it never left. */
export function mayHaveActed(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const e = err as {name?: string; code?: string; $metadata?: {httpStatusCode?: number}}
  if (THROTTLING.test(e.name ?? '')) return false
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') return true
  if (['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e.code ?? '')) return true
  const status = e.$metadata?.httpStatusCode ?? 0
  return status >= 500
}

interface RelativeStack {
  middlewareStack: {
    addRelativeTo(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: {clientName?: string; commandName?: string},
      ) => (args: unknown) => Promise<unknown>,
      options: {relation: 'after'; toMiddleware: string; name: string},
    ): void
  }
}

export function guardUntokenedCreates<T>(client: T): T {
  ;(client as RelativeStack).middlewareStack.addRelativeTo(
    (next, context) => async (args) => {
      const op = `${(context.clientName ?? '').replace(/Client$/, '')}:${(context.commandName ?? '').replace(/Command$/, '')}`
      if (!UNTOKENED_CREATES.has(op)) return next(args)
      try {
        return await next(args)
      } catch (err) {
        if (!mayHaveActed(err)) throw err
        const e = err as {name?: string; code?: string; message?: string}
        throw new OutcomeUnknownError(
          op.split(':')[1]!,
          `${e.code ?? e.name ?? 'error'}: ${e.message ?? ''}`.trim(),
        )
      }
    },
    {relation: 'after', toMiddleware: 'retryMiddleware', name: 'kforgeOutcomeUnknown'},
  )
  return client
}
