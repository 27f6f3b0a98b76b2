/**
 * Go's time.Duration text (`24h0m0s`, `5m`, `1.5h`, `300ms`), the form kubeadm configs and flags
 * use for TTLs, timeouts and validity periods.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

/** Milliseconds, or undefined when `text` is not a Go duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^([+-]?)(.*)$/.exec(text.trim())!
  const body = m[2]!
  if (body === '0') return 0
  if (body === '') return undefined
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y
  let total = 0
  let at = 0
  while (at < body.length) {
    part.lastIndex = at
    const p = part.exec(body)
    if (!p) return undefined
    total += Number(p[1]) * UNIT_MS[p[2]!]!
    at = part.lastIndex
  }
  return m[1] === '-' ? -total : total
}

/** Go's canonical form for whole seconds and above: `24h0m0s`, `5m0s`, `0s`; ms below a second. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(ms)
  if (rest < 1000) return `${sign}${rest}ms`
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const s = rest / 1000
  if (h > 0) return `${sign}${h}h${m}m${s}s`
  if (m > 0) return `${sign}${m}m${s}s`
  return `${sign}${s}s`
}
