/** `export kubeconfig --admin [DURATION]`: kops's optional-value flag, made parseable by oclif. */

const DURATION = /^(\d+(\.\d+)?(ms|h|m|s))+$/

/**
 * `--admin` takes an optional duration (`--admin`, `--admin 2h`, `--admin=2h`) as kops's does;
 * oclif flags have no optional values, so the duration moves to a hidden flag before parsing.
 */
export function splitAdminFlag(argv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--admin=')) {
      out.push('--admin', `--admin-duration=${a.slice('--admin='.length)}`)
    } else if (a === '--admin' && DURATION.test(argv[i + 1] ?? '')) {
      out.push('--admin', `--admin-duration=${argv[++i]}`)
    } else {
      out.push(a)
    }
  }
  return out
}
