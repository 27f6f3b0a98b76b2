/**
 * Whether a Go binary already built is the one `go build` would make now, read from the build
 * information Go embeds in every binary (`go version -m`): the toolchain, the -ldflags and the
 * exact module versions linked in. A part's stamp is keyed by its whole Go module, so a change
 * that adds a binary to a module (etcdutl beside etcd) changes the stamp of every binary the
 * module makes; this check keeps the ones whose linked modules did not change from being rebuilt.
 * With -trimpath Go leaves -ldflags out of the build information, so the caller checks those
 * against the part's previous stamp.
 */
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

const exec = promisify(execFile)

/** `path version[ => path version]` for each module linked in, sorted. */
export function linkedModules(goVersionM: string): {go: string; modules: string[]} {
  const lines = goVersionM.split('\n')
  const go = /:\s+(go\S+)/.exec(lines[0] ?? '')?.[1] ?? ''
  const modules: string[] = []
  for (const line of lines.slice(1)) {
    const f = line.trim().split('\t')
    if ((f[0] === 'mod' || f[0] === 'dep') && f[2] !== '(devel)') modules.push(`${f[1]} ${f[2]}`)
    else if (f[0] === '=>' && modules.length > 0) modules[modules.length - 1] += ` => ${f[1]} ${f[2]}`
  }
  return {go, modules: [...new Set(modules)].sort()}
}

const LIST_FORMAT =
  '{{with .Module}}{{if .Version}}{{.Path}} {{.Version}}{{with .Replace}} => {{.Path}} {{.Version}}{{end}}{{end}}{{end}}'

/** True when `binary` was built by this toolchain from exactly the modules `pkg` links now. */
export async function builtFromSame(
  binary: string,
  moduleDir: string,
  pkg: string,
  env: NodeJS.ProcessEnv,
): Promise<boolean> {
  try {
    const [built, list, version] = await Promise.all([
      exec('go', ['version', '-m', binary], {env, maxBuffer: 16 << 20}),
      exec('go', ['list', '-deps', '-f', LIST_FORMAT, pkg], {cwd: moduleDir, env, maxBuffer: 64 << 20}),
      exec('go', ['env', 'GOVERSION'], {env}),
    ])
    const have = linkedModules(built.stdout)
    const want = [
      ...new Set(
        list.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ].sort()
    return (
      have.go === version.stdout.trim() &&
      have.modules.length === want.length &&
      have.modules.every((m, i) => m === want[i])
    )
  } catch {
    // No build information (not a Go binary, or go missing): build it.
    return false
  }
}
