/**
 * Building the node agent bundle with esbuild: at build time (scripts/bundle-agent.mjs writes it
 * beside dist/), and from a source tree when no build exists. esbuild is a dev dependency; an
 * installed kforge reads the prebuilt bundle (node-agent.ts) and never loads this module.
 */
import {createHash} from 'node:crypto'
import {existsSync, readdirSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import {kforgeVersion} from '../util/version.js'

/** Command topics that run on instances (the kubeadm side of kforge). */
export const NODE_TOPICS = ['init', 'join', 'reset', 'token', 'pivot', 'etcd', 'identity'] as const

export interface NodeAgentBundle {
  code: Buffer
  sha256: string
  /** Command ids linked in (`init`, `init:phase`, `assets:decrypt`, ...). */
  commands: string[]
}

/** The tree this module was loaded from: dist/ for the CLI, src/ under vitest. */
function sourceTree(): {dir: string; ext: string} {
  const self = fileURLToPath(import.meta.url)
  return {dir: fileURLToPath(new URL('../', import.meta.url)), ext: self.endsWith('.ts') ? '.ts' : '.js'}
}

function commandFiles(root: string, topic: string, ext: string): string[] {
  const dir = join(root, 'commands', topic)
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((f) => f.endsWith(ext) && !f.endsWith(`.d${ext}`))
    .map((f) => join(dir, f))
    .sort()
}

function commandId(root: string, file: string, ext: string): string {
  const parts = relative(join(root, 'commands'), file).slice(0, -ext.length).split(sep)
  if (parts.at(-1) === 'index') parts.pop()
  return parts.join(':')
}

/** The generated entry: a map of command ids to lazy imports, then the agent's router. */
function entrySource(root: string, ext: string, version: string): {source: string; commands: string[]} {
  // Agent-only commands (boot and node steps the provisioner's CLI has no use for).
  const entries: Array<[string, string]> = [
    ['assets:decrypt', `./assets/agent/decrypt-command${ext}`],
    ['pod-identity:serve', `./assets/agent/pod-identity-serve-command${ext}`],
    ['termination:install', `./assets/agent/termination-install-command${ext}`],
    ['termination:watch', `./assets/agent/termination-watch-command${ext}`],
  ]
  for (const topic of NODE_TOPICS) {
    for (const file of commandFiles(root, topic, ext)) {
      entries.push([commandId(root, file, ext), `./${relative(root, file).split(sep).join('/')}`])
    }
  }
  const lines = entries.map(
    ([id, path]) => `  ${JSON.stringify(id)}: () => import(${JSON.stringify(path)}).then((m) => m.default),`,
  )
  const source = [
    `import {runAgent} from './assets/agent/main${ext}'`,
    'const commands = {',
    ...lines,
    '}',
    `await runAgent(process.argv.slice(2), commands, ${JSON.stringify(version)})`,
    '',
  ].join('\n')
  return {source, commands: entries.map(([id]) => id)}
}

/** Build the node agent bundle from this kforge installation. */
export async function buildNodeAgent(): Promise<NodeAgentBundle> {
  const esbuild = await import('esbuild')
  const {dir, ext} = sourceTree()
  const version = kforgeVersion()
  const {source, commands} = entrySource(dir, ext, version)
  const result = await esbuild.build({
    stdin: {contents: source, resolveDir: dir, sourcefile: 'kforge-node-agent.js', loader: 'js'},
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    // oclif loads typescript only to run .ts commands in development; the bundle has none.
    external: ['typescript'],
    banner: {
      js: "import {createRequire as __kforgeRequire} from 'node:module';const require=__kforgeRequire(import.meta.url);",
    },
    plugins: [
      {
        // kforgeVersion reads package.json beside the install; the bundle carries the value instead.
        name: 'kforge-version',
        setup(build) {
          build.onLoad({filter: /[\\/]util[\\/]version\.(js|ts)$/}, () => ({
            contents: `export function kforgeVersion() { return ${JSON.stringify(version)} }\n`,
            loader: 'js',
          }))
        },
      },
    ],
  })
  const code = Buffer.from(result.outputFiles[0]!.contents)
  return {code, sha256: createHash('sha256').update(code).digest('hex'), commands}
}
