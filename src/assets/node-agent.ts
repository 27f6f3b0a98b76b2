/**
 * The kforge node agent: kforge's node-side commands (init, join, reset, token, ..., and the boot
 * step `assets decrypt`) bundled by esbuild into one ESM file that instances fetch, check against
 * its sha256, and run with Node.js. The bundle is deterministic: the same kforge build gives the
 * same bytes, so the same sha256, so unchanged launch templates.
 */
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import type {RemoteFile} from '../render/types.js'
import {parseS3Url, s3Join} from '../render/urls.js'
import type {StateStore} from '../state/store.js'
import {KforgeError} from '../util/errors.js'
import type {NodeAgentBundle} from './node-agent-build.js'

/**
 * Where the build writes the bundle (`npm run build`, scripts/bundle-agent.mjs): beside dist/, so an
 * installed kforge reads it and needs no bundler at run time.
 */
export const BUNDLED_AGENT = fileURLToPath(new URL('../node-agent/kforge-node-agent.mjs', import.meta.url))
/** The command ids linked into the prebuilt bundle, written beside it. */
export const BUNDLED_AGENT_INDEX = fileURLToPath(new URL('../node-agent/commands.json', import.meta.url))

/**
 * The node agent bundle of this kforge: the one the build made; from a source tree (tests, a
 * development checkout without a build) it is built on the spot, which needs the dev dependency
 * esbuild.
 */
export async function nodeAgentBundle(): Promise<NodeAgentBundle> {
  if (existsSync(BUNDLED_AGENT)) {
    const code = await readFile(BUNDLED_AGENT)
    const {commands} = JSON.parse(await readFile(BUNDLED_AGENT_INDEX, 'utf8')) as {commands: string[]}
    return {code, sha256: createHash('sha256').update(code).digest('hex'), commands}
  }
  const {buildNodeAgent} = await import('./node-agent-build.js')
  return buildNodeAgent()
}

/** `<cluster>/assets/node-agent/kforge-<sha256 prefix>.mjs`: content-addressed, so old launch templates keep working. */
export function nodeAgentKey(clusterName: string, sha256: string): string {
  return `${clusterName}/assets/node-agent/kforge-${sha256.slice(0, 16)}.mjs`
}

/** Every node agent key of the cluster, as an IAM resource pattern: what its instance roles may read. */
export function nodeAgentPattern(clusterName: string): string {
  return `${clusterName}/assets/node-agent/kforge-*.mjs`
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
