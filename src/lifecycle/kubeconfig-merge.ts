/**
 * Merging one cluster's entries into a user's kubeconfig, as `kubectl config set-cluster /
 * set-credentials / set-context / use-context` would: the file is the one kubectl itself would
 * write to (`--kubeconfig`, else the first file of $KUBECONFIG, else ~/.kube/config); entries of
 * the same name are replaced in place, every other entry and top-level field is kept; the context
 * is selected; the file is written atomically, 0600, through a symlink to its target.
 */
import {chmod, mkdir, readFile, realpath} from 'node:fs/promises'
import {homedir} from 'node:os'
import {delimiter, dirname, join, resolve} from 'node:path'
import {parse, stringify} from 'yaml'
import {writeFileAtomic} from '../pki/files.js'
import type {KubeconfigCluster, KubeconfigUser} from '../pki/kubeconfig.js'
import {KforgeError} from '../util/errors.js'

/**
 * The kubeconfig file kubectl writes to: explicit, else $KUBECONFIG's first entry, else
 * ~/.kube/config. `env` is the environment as the CLI read it (this module reads none).
 */
export function kubeconfigTarget(
  explicit?: string,
  env: {KUBECONFIG?: string | undefined} = {},
  home: string = homedir(),
): string {
  if (explicit) return resolve(explicit)
  const first = env.KUBECONFIG?.split(delimiter).find((p) => p !== '')
  return first ? resolve(first) : join(home, '.kube', 'config')
}

export interface KubeconfigEntry {
  /** The name of the cluster, user and context entries (kops's habit: all three are the cluster name). */
  name: string
  cluster: KubeconfigCluster
  /**
   * Credentials. Undefined: an existing user entry of this name is kept as it is (an earlier
   * `--admin` export may still be valid); without one an empty entry is added.
   */
  user?: KubeconfigUser
}

type Named<T> = {name: string} & T
type RawConfig = Record<string, unknown> & {
  clusters?: Named<{cluster: unknown}>[] | null
  users?: Named<{user: unknown}>[] | null
  contexts?: Named<{context: unknown}>[] | null
}

function upsert<T extends {name: string}>(list: T[] | null | undefined, item: T, keep = false): T[] {
  const out = [...(list ?? [])]
  const at = out.findIndex((x) => x?.name === item.name)
  if (at < 0) out.push(item)
  else if (!keep) out[at] = item
  return out
}

function parseExisting(text: string | undefined, file: string): RawConfig {
  if (text === undefined || text.trim() === '') return {apiVersion: 'v1', kind: 'Config', preferences: {}}
  let value: unknown
  try {
    value = parse(text)
  } catch (err) {
    throw new KforgeError(
      `kubeconfig ${file}: not valid YAML (${(err as Error).message}); nothing was written`,
    )
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KforgeError(
      `kubeconfig ${file}: expected a mapping with clusters, users and contexts; nothing was written`,
    )
  }
  const raw = value as RawConfig
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    if (raw[key] !== undefined && raw[key] !== null && !Array.isArray(raw[key])) {
      throw new KforgeError(`kubeconfig ${file}: ${key} must be a list; nothing was written`)
    }
  }
  return raw
}

/**
 * The merged kubeconfig text: `existing` with this entry set and its context current;
 * `keptUser` when the entry brought no credentials and an existing user entry was left alone.
 */
export function mergeKubeconfig(
  existing: string | undefined,
  entry: KubeconfigEntry,
  file = 'kubeconfig',
): {text: string; keptUser: boolean} {
  const raw = parseExisting(existing, file)
  const keptUser = entry.user === undefined && (raw.users ?? []).some((u) => u?.name === entry.name)
  raw.apiVersion ??= 'v1'
  raw.kind ??= 'Config'
  raw.clusters = upsert(raw.clusters, {name: entry.name, cluster: entry.cluster})
  raw.users = upsert(raw.users, {name: entry.name, user: entry.user ?? {}}, entry.user === undefined)
  raw.contexts = upsert(raw.contexts, {name: entry.name, context: {cluster: entry.name, user: entry.name}})
  raw['current-context'] = entry.name
  return {text: stringify(raw, {lineWidth: 0, indentSeq: false}), keptUser}
}

/** Merge the entry into `file` (created with its directory when missing) and select it. */
export async function writeKubeconfigEntry(
  file: string,
  entry: KubeconfigEntry,
): Promise<{file: string; created: boolean; keptUser: boolean}> {
  let target = file
  let existing: string | undefined
  try {
    target = await realpath(file)
    existing = await readFile(target, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new KforgeError(`kubeconfig ${file}: cannot read it (${(err as Error).message})`)
  }
  const {text, keptUser} = mergeKubeconfig(existing, entry, file)
  // ~/.kube holds credentials: private to the user when kforge makes it.
  await mkdir(dirname(target), {recursive: true, mode: 0o700})
  await writeFileAtomic(target, text, 0o600)
  await chmod(target, 0o600)
  return {file: target, created: existing === undefined, keptUser}
}
