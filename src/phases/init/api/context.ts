/**
 * What the API-using init phases share: the admin client (built once, on first use), the
 * ClusterRoleBinding that gives admin.conf its rights (kubeadm >= 1.29 creates it through
 * super-admin.conf when admin.conf is still forbidden), and poll timing. Kept beside InitData
 * rather than in it, so the offline phases never load the client.
 */
import {join} from 'node:path'
import {KubeClient} from '../../../kube/client.js'
import {isAlreadyExists, isForbidden} from '../../../kube/errors.js'
import {loadKubeconfig} from '../../../kube/kubeconfig.js'
import {clusterAdminsBinding} from '../../../kube/manifests/kubeadm-rbac.js'
import {poll} from '../../../kube/wait.js'
import type {Logger} from '../../../util/logger.js'
import type {InitData} from '../data.js'

interface ApiState {
  admin?: Promise<KubeClient>
  clients: KubeClient[]
}

const states = new WeakMap<object, ApiState>()

function state(d: object): ApiState {
  let s = states.get(d)
  if (!s) {
    s = {clients: []}
    states.set(d, s)
  }
  return s
}

/**
 * Poll period for a wait in the node workflows: the run data's (the CLI's timings, for tests and
 * slow links), else the wait's own default, kubeadm's.
 */
export function pollInterval(d: {nodePollMs?: number}, defaultMs: number): number {
  return d.nodePollMs ?? defaultMs
}

export function kubeconfigFile(d: Pick<InitData, 'rootDir'>, name: string): string {
  return join(d.rootDir, 'etc/kubernetes', name)
}

export async function clientFor(d: Pick<InitData, 'rootDir'>, file: string): Promise<KubeClient> {
  const client = new KubeClient(await loadKubeconfig(kubeconfigFile(d, file), {rootDir: d.rootDir}))
  state(d).clients.push(client)
  return client
}

/** admin.conf's client, with kubeadm:cluster-admins ensured. */
export function adminClient(d: InitData, logger: Logger): Promise<KubeClient> {
  const s = state(d)
  s.admin ??= (async () => {
    const admin = await clientFor(d, 'admin.conf')
    await ensureClusterAdmins(d, admin, logger)
    return admin
  })()
  s.admin.catch(() => {
    s.admin = undefined
  })
  return s.admin
}

async function ensureClusterAdmins(d: InitData, admin: KubeClient, logger: Logger): Promise<void> {
  const [binding] = clusterAdminsBinding()
  const create = async (c: KubeClient) => {
    try {
      await c.create(binding!.type, binding!.object)
      return true
    } catch (err) {
      if (isAlreadyExists(err)) return true
      throw err
    }
  }
  await poll(
    async () => {
      try {
        return await create(admin)
      } catch (err) {
        if (!isForbidden(err)) throw err
        logger.info(
          '[kubeconfig] admin.conf is not yet bound to cluster-admin; creating ClusterRoleBinding kubeadm:cluster-admins with super-admin.conf',
        )
        await create(await clientFor(d, 'super-admin.conf'))
        // The binding exists, but the apiserver's RBAC cache may not have it yet (seen on a
        // loaded machine: the next phase got 403). Done only once admin.conf itself is allowed.
        return undefined
      }
    },
    {
      intervalMs: pollInterval(d, 500),
      timeoutMs: d.init.timeouts.kubernetesAPICall,
      what: 'ClusterRoleBinding kubeadm:cluster-admins',
    },
  )
}
