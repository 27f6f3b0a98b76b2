/**
 * How the lifecycle commands reach a cluster's API: `--kubeconfig FILE` (its context named after
 * the cluster when it has one, else its current context), or by default the context named after
 * the cluster in the kubeconfig `export kubeconfig` writes to. No such context, or one without
 * credentials, means the Kubernetes side is not checked, and the reason says how to fix that.
 */
import {readFile} from 'node:fs/promises'
import {parse} from 'yaml'
import {KubeClient} from '../kube/client.js'
import {resolveKubeconfig} from '../kube/kubeconfig.js'
import {KforgeError} from '../util/errors.js'
import {kubeconfigTarget} from './kubeconfig-merge.js'

export type KubeAccess = {client: KubeClient; source: string} | {skipped: string}

export interface AccessOptions {
  /** `--kubeconfig`; an explicit file must exist and work. */
  kubeconfig?: string
  /** $KUBECONFIG as the CLI read it: where the default file is looked for. */
  kubeconfigEnv?: string | undefined
  /** `--cloudonly` */
  cloudOnly?: boolean
  /** Per request. Default: 5 s */
  timeoutMs?: number
}

function hasContext(text: string, name: string): boolean {
  try {
    const raw = parse(text) as {contexts?: {name?: string}[] | null} | null
    return (raw?.contexts ?? []).some((c) => c?.name === name)
  } catch {
    return false
  }
}

export async function clusterKubeAccess(cluster: string, options: AccessOptions = {}): Promise<KubeAccess> {
  if (options.cloudOnly) return {skipped: '--cloudonly'}
  const explicit = options.kubeconfig !== undefined
  const file = kubeconfigTarget(options.kubeconfig, {KUBECONFIG: options.kubeconfigEnv})
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (explicit) throw new KforgeError(`--kubeconfig ${file}: cannot read it (${(err as Error).message})`)
    return {skipped: `${file} does not exist (kforge export kubeconfig ${cluster} --admin writes it)`}
  }
  const named = hasContext(text, cluster)
  if (!explicit && !named) {
    return {
      skipped: `${file} has no context "${cluster}" (kforge export kubeconfig ${cluster} --admin adds it)`,
    }
  }
  const creds = await resolveKubeconfig(text, {path: file, ...(named ? {context: cluster} : {})})
  if (!creds.cert && !creds.token) {
    const message = `context "${creds.context}" in ${file} has no credentials (kforge export kubeconfig ${cluster} --admin adds them)`
    if (explicit) throw new KforgeError(`--kubeconfig: ${message}`)
    return {skipped: message}
  }
  return {
    client: new KubeClient(creds, {timeoutMs: options.timeoutMs ?? 5000}),
    source: `${file} (context ${creds.context})`,
  }
}
