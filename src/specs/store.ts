/**
 * Storing a cluster spec: create (refuse if it exists, then hand over to apply), replace (the
 * cluster must exist, the name must not change) and edit (an editor loop that validates before
 * anything is saved). Commands call these; the cloud side is a hook so `create` can plan and
 * apply once the AWS model is wired in.
 */
import {loadSpec} from '../api/v1alpha1/index.js'
import type {Cluster} from '../api/v1alpha1/types.js'
import {clusterExists, createClusterSpec, loadClusterText, saveClusterSpec} from '../state/clusters.js'
import type {StateStore} from '../state/store.js'
import {KforgeError, ValidationError} from '../util/errors.js'

export interface CreateOptions {
  /** Apply the plan (`--yes`). */
  yes?: boolean
  /**
   * Plan (and with `yes`, apply) the stored cluster. Default: none — the result tells the user
   * to run `kforge update cluster NAME --yes`.
   */
  apply?: (cluster: Cluster, options: {yes: boolean}) => Promise<void>
}

export interface CreateResult {
  cluster: string
  stored: string
  /** False when no apply hook ran: the next command to run is in `next`. */
  planned: boolean
  next?: string
}

/** Store a new cluster's spec, then plan/apply it through `options.apply` when given. */
export async function createCluster(
  store: StateStore,
  cluster: Cluster,
  options: CreateOptions = {},
): Promise<CreateResult> {
  await createClusterSpec(store, cluster)
  const stored = `${store.location}/${cluster.name}/config.yaml`
  if (!options.apply)
    return {
      cluster: cluster.name,
      stored,
      planned: false,
      next: `kforge update cluster ${cluster.name} --yes`,
    }
  await options.apply(cluster, {yes: options.yes ?? false})
  return {
    cluster: cluster.name,
    stored,
    planned: true,
    ...(options.yes ? {} : {next: `kforge update cluster ${cluster.name} --yes`}),
  }
}

/** Overwrite a stored cluster's spec with a validated one. */
export async function replaceCluster(store: StateStore, cluster: Cluster): Promise<void> {
  if (!(await clusterExists(store, cluster.name))) {
    throw new KforgeError(
      `cluster "${cluster.name}" not found in state store ${store.location}; create it with "kforge create -f FILE"`,
    )
  }
  await saveClusterSpec(store, cluster)
}

/** Runs the user's editor on `file` and resolves when it exits (commands use $EDITOR). */
export type EditorRunner = (file: string) => Promise<void>

export interface EditFiles {
  /** Write the text the user edits; returns its path. */
  write(text: string): Promise<string>
  read(path: string): Promise<string>
}

export type EditResult = {status: 'saved'; cluster: Cluster} | {status: 'unchanged'}

const HEADER = '# '

/** The invalid text again, with the problems as comments above it (kubectl edit's habit). */
export function withProblems(text: string, problems: readonly string[]): string {
  const lines = [
    'kforge: the edited spec is not valid and was not saved. Fix the problems below and save,',
    'or exit without changes to give up (the stored spec stays as it was).',
    ...problems,
  ]
  return `${lines.map((l) => `${HEADER}${l}`).join('\n')}\n${stripProblems(text)}`
}

/** Remove a header added by withProblems, so re-saving unchanged text is recognised as such. */
export function stripProblems(text: string): string {
  if (!text.startsWith(`${HEADER}kforge: the edited spec is not valid`)) return text
  const lines = text.split('\n')
  let i = 0
  while (i < lines.length && lines[i]!.startsWith(HEADER)) i++
  return lines.slice(i).join('\n')
}

/**
 * Edit a stored cluster: open the editor on its spec; on save validate and store it. When the
 * result is invalid the editor re-opens with the problems on top; saving the same invalid text
 * again ends the edit with the problems, and nothing is stored. An edit that changes nothing, or
 * empties the file, stores nothing.
 */
export async function editCluster(
  store: StateStore,
  name: string,
  editor: EditorRunner,
  files: EditFiles,
): Promise<EditResult> {
  const original = await loadClusterText(store, name)
  let shown = original
  let lastInvalid: string | undefined
  for (;;) {
    const path = await files.write(shown)
    await editor(path)
    const edited = stripProblems(await files.read(path))
    if (edited === original || edited.trim() === '') return {status: 'unchanged'}
    try {
      const cluster = loadSpec(edited, `${name} (edited)`)
      if (cluster.name !== name) {
        throw new ValidationError([
          `metadata.name cannot change in an edit (was "${name}", now "${cluster.name}")`,
        ])
      }
      await saveClusterSpec(store, cluster)
      return {status: 'saved', cluster}
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err
      if (edited === lastInvalid) {
        throw new ValidationError([
          `edit cluster ${name}: the edited spec is still not valid; nothing was saved. Your edit is in ${path}`,
          ...err.problems,
        ])
      }
      lastInvalid = edited
      shown = withProblems(edited, err.problems)
    }
  }
}
