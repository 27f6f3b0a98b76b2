/**
 * bootstrap-token: the configured token Secrets, the RBAC that lets tokens get nodes, post CSRs
 * and have them auto-approved (and nodes renew theirs), the kube-public/cluster-info ConfigMap
 * built from admin.conf's cluster, and the Role/RoleBinding that lets anonymous read it.
 */
import {readFile} from 'node:fs/promises'
import {parse, stringify} from 'yaml'
import {createIfNotExists} from '../../../kube/apply.js'
import {applyAll, describeAll} from '../../../kube/manifests/apply.js'
import {bootstrapTokenRbac, clusterInfoRbac} from '../../../kube/manifests/kubeadm-rbac.js'
import {ConfigMaps} from '../../../kube/resources.js'
import {applyTokenSecret} from '../../../kube/tokens.js'
import {KforgeError} from '../../../util/errors.js'
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'
import {adminClient, kubeconfigFile} from './context.js'

/**
 * The cluster-info kubeconfig: admin.conf's cluster (server + CA data) under the empty name, no
 * users or contexts — what client-go's clientcmd.Write emits for kubeadm's bootstrap config.
 */
export function clusterInfoKubeconfig(adminConf: string, file: string): string {
  const raw = parse(adminConf) as {
    'current-context'?: string
    contexts?: {name: string; context?: {cluster?: string}}[]
    clusters?: {name: string; cluster?: Record<string, unknown>}[]
  }
  const ctxName = raw['current-context']
  const clusterName = raw.contexts?.find((c) => c.name === ctxName)?.context?.cluster
  const cluster = raw.clusters?.find((c) => c.name === clusterName)?.cluster
  if (!cluster?.server || !cluster['certificate-authority-data']) {
    throw new KforgeError(
      `${file}: the current context's cluster needs server and certificate-authority-data to publish cluster-info`,
    )
  }
  return stringify(
    {
      apiVersion: 'v1',
      clusters: [
        {
          cluster: {
            'certificate-authority-data': cluster['certificate-authority-data'],
            server: cluster.server,
          },
          name: '',
        },
      ],
      contexts: null,
      'current-context': '',
      kind: 'Config',
      preferences: {},
      users: null,
    },
    {lineWidth: 0},
  )
}

export const bootstrapTokenPhase: Phase<InitData> = {
  name: 'bootstrap-token',
  short: 'Generates bootstrap tokens used to join a node to a cluster',
  aliases: ['bootstraptoken'],
  run: async (d, ctx) => {
    const rbac = [...bootstrapTokenRbac(), ...clusterInfoRbac()]
    if (ctx.dryRun) {
      ctx.logger.info(
        `[bootstrap-token] dry run: would create ${d.init.bootstrapTokens.length} token Secret(s), ConfigMap kube-public/cluster-info and ${describeAll(rbac).join(', ')}`,
      )
      return
    }
    const file = kubeconfigFile(d, 'admin.conf')
    const clusterInfo = clusterInfoKubeconfig(await readFile(file, 'utf8'), file)
    const client = await adminClient(d, ctx.logger)
    for (const t of d.init.bootstrapTokens) {
      ctx.logger.info(`[bootstrap-token] Using token: ${t.token.id}.<hidden>`)
      await applyTokenSecret(client, {
        token: t.token,
        ...(t.description ? {description: t.description} : {}),
        ...(t.expires ? {expires: t.expires} : {ttlMs: t.ttlMs}),
        usages: t.usages,
        groups: t.groups,
      })
    }
    ctx.logger.info(
      '[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes, post CSRs and have them approved; nodes to rotate their client certificates',
    )
    await applyAll(client, bootstrapTokenRbac(), (l) => ctx.logger.debug(`[bootstrap-token] ${l}`))
    ctx.logger.info('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace')
    await createIfNotExists(client, ConfigMaps, {
      metadata: {name: 'cluster-info', namespace: 'kube-public'},
      data: {kubeconfig: clusterInfo},
    })
    await applyAll(client, clusterInfoRbac(), (l) => ctx.logger.debug(`[bootstrap-token] ${l}`))
  },
}
