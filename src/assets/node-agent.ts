/**
 * The kforge node agent: kforge's node-side commands (init, join, reset, token, ..., and the boot
 * step `assets decrypt`) bundled by esbuild into one ESM file that instances fetch, check against
 * its sha256, and run with Node.js. The bundle is deterministic: the same kforge build gives the
 * same bytes, so the same sha256, so unchanged launch templates.
 */
import {createHash} from 'node:crypto'
import {existsSync, readdirSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {RemoteFile} from '../render/types.js'
import {parseS3Url, s3Join} from '../render/urls.js'
import type {StateStore} from '../state/store.js'
import {KforgeError} from '../util/errors.js'
import {kforgeVersion} from '../util/version.js'

/** Command topics that run on instances (the kubeadm side of kforge). */
export const NODE_TOPICS = ['init', 'join', 'reset', 'token', 'pivot'] as const

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
  const entries: Array<[string, string]> = [['assets:decrypt', `./assets/agent/decrypt-command${ext}`]]
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

/** `<cluster>/assets/node-agent/kforge-<sha256 prefix>.mjs`: content-addressed, so old launch templates keep working. */
export function nodeAgentKey(clusterName: string, sha256: string): string {
  return `${clusterName}/assets/node-agent/kforge-${sha256.slice(0, 16)}.mjs`
}

/** Where instances fetch this bundle: next to the cluster's assets in an s3:// state store. */
export function nodeAgentLocation(storeLocation: string, clusterName: string, sha256: string): RemoteFile {
  if (!parseS3Url(storeLocation)) {
    throw new KforgeError(
      `state store ${storeLocation} is a local directory: instances fetch the kforge node agent from the ` +
        'state store with their role, so it must be s3://bucket/prefix (--state or KFORGE_STATE_STORE)',
    )
  }
  return {url: s3Join(storeLocation, nodeAgentKey(clusterName, sha256)), sha256}
}

/** Store the bundle (and its `.sha256`) next to the cluster's assets unless it is there already. */
export async function publishNodeAgent(
  store: StateStore,
  clusterName: string,
  bundle: NodeAgentBundle,
): Promise<RemoteFile> {
  const location = nodeAgentLocation(store.location, clusterName, bundle.sha256)
  const key = nodeAgentKey(clusterName, bundle.sha256)
  const existing = await store.read(key)
  if (!existing || createHash('sha256').update(existing).digest('hex') !== bundle.sha256) {
    await store.write(key, bundle.code)
    await store.write(`${key}.sha256`, `${bundle.sha256}  kforge.mjs\n`)
  }
  return location
}
