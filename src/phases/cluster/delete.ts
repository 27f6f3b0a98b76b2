/**
 * `kforge delete cluster`: find everything the cluster owns (by tag, and through relations), print
 * it, and with --yes delete it in dependency order; then drop the cluster from the state store
 * unless asked to keep it. Shared resources are never deleted; their `shared` tag is removed.
 * A cluster deployed as a CloudFormation stack loses its stack first (CloudFormation deletes what
 * it made); the rest is found again afterwards and deleted as above.
 */
import type {Stack} from '@aws-sdk/client-cloudformation'

import type {Cluster} from '../../api/v1alpha1/types.js'
import {
  listStackResources,
  removeStack,
  type StackResource,
  stackResourceLabel,
} from '../../cloud/aws/cfn/delete.js'
import {findClusterStack} from '../../cloud/aws/cfn/stack.js'
import {logicalId} from '../../cloud/aws/cfn/template.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {directContext} from '../../cloud/aws/direct/context.js'
import {type Doomed, deleteResources} from '../../cloud/aws/direct/delete.js'
import {discoverOwned} from '../../cloud/aws/direct/discover.js'
import {actualLabel} from '../../cloud/aws/direct/print.js'
import {loggerProgress} from '../../cloud/aws/direct/progress.js'
import {untagShared} from '../../cloud/aws/direct/shared.js'
import type {ApplyContext} from '../../cloud/aws/model/types.js'
import {RESOURCE_TAG} from '../../cloud/aws/tags.js'
import type {StateStore} from '../../state/store.js'
import {type Logger, silentLogger} from '../../util/logger.js'
import {type PhaseReporter, Workflow} from '../workflow.js'

interface DeleteData {
  ctx: ApplyContext
  aws: AwsClients
  /** The cluster's CloudFormation stack, when it has one, and what it holds. */
  stack?: {stack: Stack; resources: StackResource[]}
  /** A context with nothing read yet (the first one memoises its reads). */
  freshContext: () => ApplyContext
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
    name: 'stack',
    short: "delete the cluster's CloudFormation stack and wait for it",
    runIf: (data) => data.stack !== undefined,
    async run(data, ctx) {
      if (ctx.dryRun) return
      await removeStack(await data.aws.cloudFormation(), data.stack!.stack, data.progress)
      data.deleted += data.stack!.resources.length
      // What the stack did not own: found again, now that its resources are gone.
      data.ctx = data.freshContext()
      data.found = await discoverOwned(data.ctx)
    },
  },
  {
    name: 'resources',
    short: 'delete the cluster-owned cloud resources in dependency order',
    async run(data, ctx) {
      if (ctx.dryRun) return
      data.deleted += await deleteResources(data.found, data.ctx, {progress: data.progress})
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

/**
 * Whether CloudFormation deletes this with the stack: it is one of the stack's resources (by
 * physical id, or by kforge's resource tag naming a logical id of the stack), or it lives inside
 * one (a rule of the stack's security group, a record the stack made).
 */
function heldByStack(d: Doomed, resources: readonly StackResource[]): boolean {
  const physical = new Set(resources.map((r) => r.physicalId))
  const logical = new Set(resources.map((r) => r.logicalId))
  const tag = d.actual.tags[RESOURCE_TAG]
  if (physical.has(d.actual.id) || (tag !== undefined && logical.has(logicalId(tag)))) return true
  // Kinds that live inside another resource name it: a rule its group, a record its name.
  const inside = d.actual as {groupId?: unknown; name?: unknown}
  return [inside.groupId, inside.name].some((v) => typeof v === 'string' && physical.has(v))
}

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
  const freshContext = () =>
    directContext(options.aws, name, {logger, ...(options.spec ? {spec: options.spec} : {})})
  const ctx = freshContext()
  const cfn = await options.aws.cloudFormation()
  const found = await findClusterStack(cfn, name)
  const stack = found ? {stack: found, resources: await listStackResources(cfn, found.StackId!)} : undefined
  // What the stack holds is deleted with it, and listed under it.
  const direct = (await discoverOwned(ctx)).filter((d) => !stack || !heldByStack(d, stack.resources))
  const resources = [
    ...(stack ? [{kind: 'CloudFormationStack', id: stack.stack.StackId!, name: stack.stack.StackName!}] : []),
    ...(stack?.resources ?? []).map((r) => ({kind: r.type, id: r.physicalId, name: r.logicalId})),
    ...direct.map((d) => ({
      kind: d.kind.kind,
      id: d.actual.id,
      ...(d.actual.tags.Name ? {name: d.actual.tags.Name} : {}),
    })),
  ]
  options.onList?.([
    ...(stack
      ? [
          `CloudFormationStack ${stack.stack.StackName} (${stack.stack.StackStatus}), and with it:`,
          ...stack.resources.map((r) => `  ${stackResourceLabel(r)}`),
        ]
      : []),
    ...direct.map((d) => actualLabel(d.kind.kind, d.actual)),
  ])
  if (!options.yes) return {resources, deleted: 0, applied: false, removedState: false}
  const data: DeleteData = {
    ctx,
    aws: options.aws,
    ...(stack ? {stack} : {}),
    freshContext,
    found: direct,
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
