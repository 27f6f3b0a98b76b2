/**
 * Reading a kubeconfig the way client-go does for the fields kforge needs: the current context
 * (or a named one), its cluster's server and CA, its user's client certificate or bearer token.
 * File references are resolved relative to the kubeconfig's directory; `rootDir` maps absolute
 * host paths under kforge's `--root-dir` (kubelet.conf points at /var/lib/kubelet/pki/...).
 */
import {readFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {parse} from 'yaml'
import {KforgeError} from '../util/errors.js'

export interface KubeCredentials {
  server: string
  /** PEM of the CA bundle that verifies the server; absent means system roots. */
  ca?: Buffer
  insecureSkipTLSVerify?: boolean
  /** PEM client certificate and key */
  cert?: Buffer
  key?: Buffer
  token?: string
  /** Names for messages: the file, context, cluster and user used. */
  source?: string
  context?: string
  cluster?: string
  user?: string
}

interface RawKubeconfig {
  clusters?: {name: string; cluster?: Record<string, unknown>}[] | null
  users?: {name: string; user?: Record<string, unknown>}[] | null
  contexts?: {name: string; context?: {cluster?: string; user?: string; namespace?: string}}[] | null
  'current-context'?: string
}

export interface LoadOptions {
  /** Use this context instead of current-context. */
  context?: string
  /** Prefix for absolute file paths named in the kubeconfig (kforge's --root-dir). */
  rootDir?: string
}

export async function loadKubeconfig(path: string, options: LoadOptions = {}): Promise<KubeCredentials> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new KforgeError(`kubeconfig ${path}: cannot read: ${(err as Error).message}`)
  }
  return resolveKubeconfig(text, {...options, path})
}

export async function resolveKubeconfig(
  text: string,
  options: LoadOptions & {path?: string} = {},
): Promise<KubeCredentials> {
  const where = `kubeconfig ${options.path ?? '(inline)'}`
  let raw: RawKubeconfig
  try {
    raw = (parse(text) ?? {}) as RawKubeconfig
  } catch (err) {
    throw new KforgeError(`${where}: not valid YAML: ${(err as Error).message}`)
  }
  const contextName = options.context ?? raw['current-context']
  if (!contextName) throw new KforgeError(`${where}: no current-context set and no context given`)
  const context = raw.contexts?.find((c) => c.name === contextName)?.context
  if (!context) throw new KforgeError(`${where}: context "${contextName}" not found in contexts[]`)
  const cluster = raw.clusters?.find((c) => c.name === context.cluster)?.cluster
  if (!cluster)
    throw new KforgeError(`${where}: cluster "${context.cluster}" of context "${contextName}" not found`)
  const server = cluster.server
  if (typeof server !== 'string' || server === '') {
    throw new KforgeError(`${where}: clusters[${context.cluster}].cluster.server is missing`)
  }
  const baseDir = options.path ? dirname(resolve(options.path)) : process.cwd()
  const file = (p: unknown) => readRef(p, baseDir, options.rootDir, where)
  const creds: KubeCredentials = {
    server,
    source: options.path,
    context: contextName,
    cluster: context.cluster,
  }
  const ca = await dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority'], file)
  if (ca) creds.ca = ca
  if (cluster['insecure-skip-tls-verify'] === true) creds.insecureSkipTLSVerify = true

  if (context.user) {
    const user = raw.users?.find((u) => u.name === context.user)?.user
    if (!user) throw new KforgeError(`${where}: user "${context.user}" of context "${contextName}" not found`)
    creds.user = context.user
    const cert = await dataOrFile(user['client-certificate-data'], user['client-certificate'], file)
    const key = await dataOrFile(user['client-key-data'], user['client-key'], file)
    if (cert) creds.cert = cert
    if (key) creds.key = key
    if (typeof user.token === 'string' && user.token !== '') creds.token = user.token
    else if (typeof user.tokenFile === 'string')
      creds.token = (await file(user.tokenFile)).toString('utf8').trim()
    if (Boolean(cert) !== Boolean(key)) {
      throw new KforgeError(
        `${where}: user "${context.user}" has a client certificate without a key or a key without a certificate`,
      )
    }
  }
  return creds
}

async function dataOrFile(
  data: unknown,
  ref: unknown,
  file: (p: unknown) => Promise<Buffer>,
): Promise<Buffer | undefined> {
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64')
  if (typeof ref === 'string' && ref !== '') return file(ref)
  return undefined
}

async function readRef(
  p: unknown,
  baseDir: string,
  rootDir: string | undefined,
  where: string,
): Promise<Buffer> {
  const name = String(p)
  const full = isAbsolute(name) ? (rootDir ? join(rootDir, name) : name) : join(baseDir, name)
  try {
    return await readFile(full)
  } catch (err) {
    throw new KforgeError(`${where}: cannot read referenced file ${full}: ${(err as Error).message}`)
  }
}

/**
 * `--kubeconfig` default: `<root>/etc/kubernetes/admin.conf`, then the first entry of `kubeconfigEnv`
 * ($KUBECONFIG, as the CLI read it).
 */
export function defaultKubeconfigPath(
  rootDir: string,
  exists: (p: string) => boolean,
  kubeconfigEnv?: string,
): string {
  const admin = join(rootDir, 'etc/kubernetes/admin.conf')
  if (exists(admin)) return admin
  const env = kubeconfigEnv?.split(':').find((p) => p !== '')
  return env ?? admin
}
