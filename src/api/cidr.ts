/**
 * A small IPv4 CIDR toolkit: parse, contain, overlap, split and first-fit allocation. Addresses
 * are unsigned 32-bit integers held in plain numbers (`>>> 0` keeps bitwise results unsigned).
 */

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly base: number
  /** Prefix length, 0..32. */
  readonly prefix: number
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
}

export function formatIp(addr: number): string {
  return [24, 16, 8, 0].map((s) => (addr >>> s) & 0xff).join('.')
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`
}

/** Why `text` is not a canonical IPv4 CIDR (`10.0.0.0/16`), or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const m = CIDR_RE.exec(text)
  if (!m) return 'is not an IPv4 CIDR like 10.0.0.0/16'
  const octets = m.slice(1, 5).map(Number)
  const prefix = Number(m[5])
  if (octets.some((o) => o > 255)) return 'has an octet above 255'
  if (prefix > 32) return 'has a prefix longer than /32'
  const addr = octets.reduce((acc, o) => acc * 256 + o, 0)
  const base = (addr & mask(prefix)) >>> 0
  if (base !== addr) return `has host bits set (did you mean ${formatCidr({base, prefix})}?)`
  return undefined
}

/** Parse a canonical CIDR; throws with the reason otherwise (check with cidrProblem first). */
export function parseCidr(text: string): Cidr {
  const problem = cidrProblem(text)
  if (problem) throw new Error(`"${text}" ${problem}`)
  const m = CIDR_RE.exec(text)!
  const base = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0)
  return {base, prefix: Number(m[5])}
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix)
}

/** True when every address of `inner` is in `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && (inner.base & mask(outer.prefix)) >>> 0 === outer.base
}

/** True when the two ranges share at least one address (for CIDRs: one contains the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a)
}

/** All subnets of `c` with the longer prefix `prefix`, in address order. */
export function split(c: Cidr, prefix: number): Cidr[] {
  if (prefix < c.prefix || prefix > 32) {
    throw new Error(`cannot split ${formatCidr(c)} into /${prefix} subnets`)
  }
  const step = 2 ** (32 - prefix)
  const out: Cidr[] = []
  for (let base = c.base; base < c.base + cidrSize(c); base += step) out.push({base, prefix})
  return out
}

/** The first /`prefix` block of `parent` that overlaps none of `taken`, or undefined if full. */
export function allocate(parent: Cidr, prefix: number, taken: readonly Cidr[]): Cidr | undefined {
  if (prefix < parent.prefix || prefix > 32) return undefined
  const step = 2 ** (32 - prefix)
  for (let base = parent.base; base < parent.base + cidrSize(parent); base += step) {
    const candidate = {base, prefix}
    const clash = taken.find((t) => overlaps(t, candidate))
    // Jump past the clashing block instead of testing each small block inside it.
    if (!clash) return candidate
    const clashEnd = clash.base + cidrSize(clash)
    if (clashEnd > base + step) base = clashEnd - step
  }
  return undefined
}
