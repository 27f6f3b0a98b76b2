/**
 * What `create cluster` (from flags) and `create -f` (from a file) share once they have a
 * cluster: the flags that decide how far creating goes, storing it under the cluster's lock after
 * checking the state store's posture, applying with --yes exactly as `update cluster` would, and
 * the text that says what happened and what to run next.
 */
import {Flags} from '@oclif/core'
import type {Cluster} from '../api/v1alpha1/types.js'
import type {CreateResult} from '../specs/store.js'
import type {Logger} from '../util/logger.js'
import type {GlobalCloudFlags} from './cluster.js'
import {lockFlags, runLocked} from './lock.js'

export const createFlags = {
  'dry-run': Flags.boolean({description: 'print the complete spec; store nothing'}),
  yes: Flags.boolean({description: 'apply the plan, not just print it'}),
  'secure-state-store': Flags.boolean({
    description:
      'S3 state store: block public access, default to SSE-KMS and turn on versioning for its bucket (create warns when any is off)',
    default: false,
  }),
  ...lockFlags,
}

export interface CreateFlagValues extends GlobalCloudFlags {
  yes: boolean
  'secure-state-store': boolean
  'break-lock': boolean
}

/** Store `cluster` (and with --yes apply it), under its lock; `command` names the run in the lease. */
export async function storeCluster(
  cluster: Cluster,
  f: CreateFlagValues,
  o: {command: string; logger: Logger; onPlan: (text: string) => void},
): Promise<CreateResult> {
  const {awsClients, openStore} = await import('./cluster.js')
  const {createCluster} = await import('../specs/store.js')
  const {checkStatePosture} = await import('../phases/cluster/state-posture.js')
  const {provisionHook} = await import('../phases/cluster/provision.js')
  const store = await openStore(f)
  await checkStatePosture(store, {secure: f['secure-state-store'], logger: o.logger})
  const apply = provisionHook(store, (region) => awsClients(f, region), o.logger, o.onPlan)
  // Without --yes nothing touches the cloud: the spec and its PKI are stored and
  // `kforge update cluster` previews the plan (kops's create → update flow).
  return runLocked(
    store,
    cluster.name,
    {command: o.command, breakLock: f['break-lock'], logger: o.logger},
    () => createCluster(store, cluster, f.yes ? {yes: true, apply} : {}),
  )
}

export function createdText(result: {cluster: string; stored: string; next?: string}): string {
  const lines = [`Stored the spec of cluster "${result.cluster}" at ${result.stored}.`]
  if (result.next) {
    lines.push(
      'Nothing was created in AWS yet. Preview the plan, then apply it:',
      `  ${result.next.replace(/ --yes$/, '')}`,
      `  ${result.next}`,
    )
  }
  return `${lines.join('\n')}\n`
}
