/** Reading AWS SDK v3 errors: the service's error code is the exception's `name`. */
export function awsErrorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as {name?: unknown; Code?: unknown; code?: unknown}
    for (const v of [e.Code, e.code, e.name]) if (typeof v === 'string' && v !== 'Error') return v
  }
  return ''
}

export function isNotFound(err: unknown): boolean {
  const code = awsErrorCode(err)
  return /NotFound|NoSuch/.test(code)
}

export function isDependencyViolation(err: unknown): boolean {
  const code = awsErrorCode(err)
  return (
    code === 'DependencyViolation' ||
    code === 'ResourceInUse' ||
    code === 'DeleteConflict' ||
    code === 'ResourceInUseFault' ||
    code === 'HostedZoneNotEmpty'
  )
}

export function isAccessDenied(err: unknown): boolean {
  return /AccessDenied|UnauthorizedOperation|Unauthorized/.test(awsErrorCode(err))
}
