/**
 * `kforge delete cluster`: find everything the cluster owns (by tag, and through relations), print
 * it, and with --yes delete it in dependency order; then drop the cluster from the state store
 * unless asked to keep it. Shared resources are never deleted; their `shared` tag is removed.
 */

import type {Cluster} from '../../api/v1alpha1/types.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {directContext} from '../../cloud/aws/direct/context.js'
import {type Doomed, deleteResources} from '../../cloud/aws/direct/delete.js'
import {discoverOwned} from '../../cloud/aws/direct/discover.js'
import {actualLabel} from '../../cloud/aws/direct/print.js'
import {loggerProgress} from '../../cloud/aws/direct/progress.js'
import {untagShared} from '../../cloud/aws/direct/shared.js'
import type {ApplyContext} from '../../cloud/aws/model/types.js'
import type {StateStore} from '../../state/store.js'
import {type Logger, silentLogger} from '../../util/logger.js'
import {type PhaseReporter, Workflow} from '../workflow.js'

interface DeleteData {
  ctx: ApplyContext
  found: Doomed[]
  deleted: number
  untagged: string[]
  store?: StateStore
  keepState: boolean
  progress: (line: string) => void
  removedState: boolean
}

export const deleteWorkflow = new Workflow<DeleteData>('delete cluster', [
  {
    name: 'resources',
    short: 'delete the cluster-owned cloud resources in dependency order',
    async run(data, ctx) {
      if (ctx.dryRun) return
      data.deleted = await deleteResources(data.found, data.ctx, {progress: data.progress})
    },
  },
  {
    name: 'shared',
    short: 'remove the cluster tag from shared resources',
    async run(data, ctx) {
      if (ctx.dryRun) return
      data.untagged = await untagShared(data.ctx)
    },
  },
  {
    name: 'state',
    short: 'remove the cluster from the state store',
    runIf: (data) => !data.keepState && data.store !== undefined,
    async run(data, ctx) {
      if (ctx.dryRun) return
      const {deleteClusterState} = await import('../../state/clusters.js')
      await deleteClusterState(data.store!, data.ctx.cluster)
      data.removedState = true
    },
  },
])

export interface DeleteOptions {
  aws: AwsClients
  yes?: boolean
  /** The stored spec, when there is one: it names the DNS records to delete. */
  spec?: Cluster
  store?: StateStore
  keepState?: boolean
  logger?: Logger
  reporter?: PhaseReporter
  /** Called with what will be deleted, before anything is (the command prints it). */
  onList?: (lines: string[]) => void
}

export interface DeleteResult {
  resources: {kind: string; id: string; name?: string}[]
  deleted: number
  applied: boolean
  removedState: boolean
}

export async function deleteCluster(name: string, options: DeleteOptions): Promise<DeleteResult> {
  const logger = options.logger ?? silentLogger
  const ctx = directContext(options.aws, name, {logger, ...(options.spec ? {spec: options.spec} : {})})
  const found = await discoverOwned(ctx)
  const resources = found.map((d) => ({
    kind: d.kind.kind,
    id: d.actual.id,
    ...(d.actual.tags.Name ? {name: d.actual.tags.Name} : {}),
  }))
  options.onList?.(found.map((d) => actualLabel(d.kind.kind, d.actual)))
  if (!options.yes) return {resources, deleted: 0, applied: false, removedState: false}
  const data: DeleteData = {
    ctx,
    found,
    deleted: 0,
    untagged: [],
    keepState: options.keepState ?? false,
    progress: loggerProgress(logger),
    removedState: false,
    ...(options.store ? {store: options.store} : {}),
  }
  await deleteWorkflow.run(() => data, {logger, ...(options.reporter ? {reporter: options.reporter} : {})})
  return {resources, deleted: data.deleted, applied: true, removedState: data.removedState}
}
