/**
 * API failures as values: the HTTP status, the Status object's reason and message, and the request
 * that failed, so callers can branch on NotFound/AlreadyExists/Conflict and users read what broke.
 */
import {KforgeError} from '../util/errors.js'
import type {Status} from './types.js'

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Forbidden'
  | 'Unauthorized'
  | 'MethodNotAllowed'
  | 'Timeout'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Unknown'

export class KubeApiError extends KforgeError {
  readonly code: number
  readonly reason: StatusReason | string
  readonly status: Status | undefined

  constructor(
    readonly method: string,
    readonly url: string,
    code: number,
    status: Status | undefined,
    body?: string,
  ) {
    const detail = status?.message ?? (body?.trim() || `HTTP ${code}`)
    super(`${method} ${url}: ${detail} (HTTP ${code}${status?.reason ? ` ${status.reason}` : ''})`)
    this.name = 'KubeApiError'
    this.code = code
    this.status = status
    this.reason = status?.reason ?? reasonForCode(code)
  }
}

function reasonForCode(code: number): StatusReason {
  switch (code) {
    case 400:
      return 'BadRequest'
    case 401:
      return 'Unauthorized'
    case 403:
      return 'Forbidden'
    case 404:
      return 'NotFound'
    case 405:
      return 'MethodNotAllowed'
    case 409:
      return 'Conflict'
    case 422:
      return 'Invalid'
    case 503:
      return 'ServiceUnavailable'
    default:
      return code >= 500 ? 'InternalError' : 'Unknown'
  }
}

/** The server could not be reached at all (refused, reset, TLS failure, timeout). */
export class KubeConnectionError extends KforgeError {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const msg = cause instanceof Error ? cause.message : String(cause)
    super(`cannot reach the Kubernetes API at ${url}: ${msg}`, {cause})
    this.name = 'KubeConnectionError'
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 404
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof KubeApiError && err.reason === 'AlreadyExists'
}
export function isInvalid(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 422
}
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.reason === 'Conflict'
}
export function isForbidden(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 403
}
export function isUnauthorized(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 401
}
