/**
 * The node agent's entry: the kforge node commands (init, join, reset, token, ...) and the boot
 * step `assets decrypt`, in one file that instances run with Node.js. oclif normally finds its
 * commands on disk; the bundle has no disk layout, so this routes argv to the commands the
 * bundler linked in, and hands oclif a configuration built in memory.
 */

import type {Command} from '@oclif/core'
import {waitForInstanceMetadata} from '../../cloud/aws/clients.js'

export type CommandLoader = () => Promise<Command.Class>

/** The longest run of leading words that names a command, and the arguments after it. */
export function route(
  argv: readonly string[],
  ids: readonly string[],
): {id: string; rest: string[]} | undefined {
  const known = new Set(ids)
  const words: string[] = []
  for (const arg of argv) {
    if (arg.startsWith('-')) break
    words.push(arg)
  }
  for (let n = words.length; n > 0; n--) {
    const id = words.slice(0, n).join(':')
    if (known.has(id)) return {id, rest: argv.slice(n)}
  }
  return undefined
}

function usage(version: string, ids: readonly string[]): string {
  const lines = [...ids].sort().map((id) => `  kforge ${id.replaceAll(':', ' ')}`)
  return `kforge node agent ${version}\n\nCommands:\n${lines.join('\n')}\n  kforge version\n`
}

/** oclif's help needs its command index on disk; the agent prints a plain one from the class. */
export function commandHelp(id: string, command: Command.Class): string {
  const flags = {...command.baseFlags, ...command.flags} as Record<
    string,
    {char?: string; description?: string; default?: unknown}
  >
  const args = Object.keys(command.args ?? {}).map((a) => ` ${a.toUpperCase()}`)
  const lines = Object.entries(flags)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, f]) => {
      const def =
        typeof f.default === 'string' || typeof f.default === 'number' ? ` (default: ${f.default})` : ''
      return `  ${f.char ? `-${f.char}, ` : '    '}--${name}  ${f.description ?? ''}${def}`
    })
  return `${command.description ?? ''}\n\nUSAGE\n  $ kforge ${id.replaceAll(':', ' ')}${args.join('')} [FLAGS]\n\nFLAGS\n${lines.join('\n')}\n`
}

export async function runAgent(
  argv: readonly string[],
  commands: Readonly<Record<string, CommandLoader>>,
  version: string,
): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  waitForInstanceMetadata()
  const ids = Object.keys(commands)
  if (argv[0] === 'version' || argv[0] === '--version') {
    process.stdout.write(`kforge node agent ${version} (node ${process.version})\n`)
    return
  }
  const target = route(argv, ids)
  if (!target) {
    const help = argv.length === 0 || argv[0] === '--help' || argv[0] === 'help'
    ;(help ? process.stdout : process.stderr).write(
      `${help ? '' : `unknown command "${argv.join(' ')}"\n\n`}${usage(version, ids)}`,
    )
    if (!help) process.exitCode = 2
    return
  }
  const CommandClass = await commands[target.id]!()
  if (target.rest.includes('--help') || target.rest.includes('-h')) {
    process.stdout.write(commandHelp(target.id, CommandClass))
    return
  }
  const {Config, handle, flush, settings} = await import('@oclif/core')
  // The bundle is compiled JavaScript with no TypeScript beside it: without this, oclif looks for a
  // tsconfig whenever NODE_ENV is "test" or "development" and warns on every boot step.
  settings.enableAutoTranspile = false
  const config = await Config.load({
    root: process.cwd(),
    pjson: {
      name: 'kforge',
      version,
      oclif: {
        bin: 'kforge',
        dirname: 'kforge',
        topicSeparator: ' ',
        commands: './kforge-node-agent-has-no-command-dir',
      },
    },
  })
  try {
    await CommandClass.run(target.rest, config)
  } catch (err) {
    await handle(err as Error)
  } finally {
    await flush()
  }
}
