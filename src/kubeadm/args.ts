/**
 * Component command lines as kubeadm v1.37 builds them (cmd/kubeadm/app/util/arguments.go,
 * ArgumentsToCommand): kubeadm's defaults sorted by name then value; a user argument with a merge
 * method (kubeadm.k8s.io/v1) appends or prepends its value to the default of that name in place;
 * the other user arguments replace every default of their name and follow, in the order written
 * (a name given several times keeps all its values).
 */
import type {Arg} from './types.js'

const byNameThenValue = (a: Arg, b: Arg): number =>
  a.name === b.name ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.name < b.name ? -1 : 1

/** kubeadm's MergeArgWithBase: the value a default takes under one user argument. */
export function mergeArgWithBase(base: string, arg: Arg): string {
  if (arg.mergeMethod === 'append') return base + arg.value
  if (arg.mergeMethod === 'prepend') return arg.value + base
  return arg.value
}

export function mergeArgs(base: readonly Arg[], overrides: readonly Arg[]): Arg[] {
  // The last user argument of a name decides how that name's defaults are treated, as in kubeadm:
  // so an append followed by a plain argument of the same name replaces, and an append with no
  // default of its name is dropped.
  const last = new Map<string, Arg>()
  for (const arg of overrides) last.set(arg.name, arg)
  const out: Arg[] = []
  for (const arg of [...base].sort(byNameThenValue)) {
    const override = last.get(arg.name)
    if (!override) out.push({name: arg.name, value: arg.value})
    else if (override.mergeMethod) out.push({name: arg.name, value: mergeArgWithBase(arg.value, override)})
  }
  for (const arg of overrides) if (!arg.mergeMethod) out.push({name: arg.name, value: arg.value})
  return out
}

export function argsToCommand(base: readonly Arg[], overrides: readonly Arg[]): string[] {
  return mergeArgs(base, overrides).map((a) => `--${a.name}=${a.value}`)
}

/** `{name: value}` to a list, in insertion order (for building base argument sets). */
export function args(map: Record<string, string>): Arg[] {
  return Object.entries(map).map(([name, value]) => ({name, value}))
}

/** The last argument given for `name`, merge method included, if any. */
export function lastArg(list: readonly Arg[], name: string): Arg | undefined {
  return list.findLast((a) => a.name === name)
}
