/**
 * Component command lines as kubeadm builds them (ArgumentsToCommand): the user's extraArgs replace
 * every default of the same name (a name given several times keeps all its values, in order),
 * and the result is sorted by name so manifests diff cleanly.
 */
import type {Arg} from './types.js'

export function mergeArgs(base: readonly Arg[], overrides: readonly Arg[]): Arg[] {
  const overridden = new Set(overrides.map((a) => a.name))
  const merged = [...base.filter((a) => !overridden.has(a.name)), ...overrides]
  return merged
    .map((a, i) => ({a, i}))
    .sort((x, y) => (x.a.name < y.a.name ? -1 : x.a.name > y.a.name ? 1 : x.i - y.i))
    .map((x) => x.a)
}

export function argsToCommand(base: readonly Arg[], overrides: readonly Arg[]): string[] {
  return mergeArgs(base, overrides).map((a) => `--${a.name}=${a.value}`)
}

/** `{name: value}` to a list, in insertion order (for building base argument sets). */
export function args(map: Record<string, string>): Arg[] {
  return Object.entries(map).map(([name, value]) => ({name, value}))
}
