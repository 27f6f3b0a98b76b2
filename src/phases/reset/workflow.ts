/**
 * `kforge reset`: kubeadm's reset phases, top to bottom: preflight (confirm), remove-etcd-member
 * (a stacked etcd member leaves its cluster), cleanup-node (remove what init/join wrote under the
 * root dir).
 */
import {readdir, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {WEBHOOK_UNIT, WEBHOOK_UNIT_PATH} from '../../podidentity/install.js'
import {KforgeError} from '../../util/errors.js'
import {Workflow} from '../workflow.js'
import {localEtcdPeerURL, removeEtcdMember} from './etcd-member.js'
import {removeContainers, stopKubelet, stopUnit, unmountUnder} from './node-services.js'
import {exists, resetTargets, safeTarget} from './paths.js'

export interface ResetData {
  rootDir: string
  keepPki: boolean
  force: boolean
  /** On the node itself (root dir `/`, not a dry run): stop the kubelet and its containers too. */
  manageServices: boolean
  /** The container runtime's socket (kubeadm's criSocket). */
  criSocket: string
  /** Asks the question, returns the answer line. */
  ask: (question: string) => Promise<string>
  /** What was removed (node paths), for the command's output. */
  removed: string[]
  kept: string[]
  /** What happened to this node's etcd member, when it had one. */
  etcd?: 'removed' | 'last-member' | 'not-a-member' | 'failed'
}

/**
 * kubeadm's CleanDir: the contents go, the directory stays (it may be a mount point of its own,
 * such as a separate volume for /var/lib/kubelet or /var/lib/etcd).
 */
async function emptyDirectory(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) await rm(join(dir, entry), {recursive: true, force: true})
}

export const resetWorkflow = new Workflow<ResetData>('reset', [
  {
    name: 'preflight',
    short: 'Run reset pre-flight checks and ask for confirmation',
    run: async (d, ctx) => {
      if (d.force || ctx.dryRun) return
      const answer = await d.ask(
        `[reset] WARNING: this removes the kubeconfigs, static pod manifests, kubelet state, etcd data${d.keepPki ? '' : ' and certificates'} under ${d.rootDir}.\n[reset] Are you sure you want to proceed? [y/N]: `,
      )
      if (!/^y(es)?$/i.test(answer.trim()))
        throw new KforgeError('reset aborted: answer "y" to proceed, or pass --force')
    },
  },
  {
    name: 'remove-etcd-member',
    short: 'Remove a local etcd member',
    runIf: async (d) => (await localEtcdPeerURL(d.rootDir)) !== undefined,
    run: async (d, ctx) => {
      if (ctx.dryRun) return ctx.logger.info("[reset] dry run: would remove this node's etcd member")
      d.etcd = await removeEtcdMember(d.rootDir, ctx.logger)
    },
  },
  {
    name: 'cleanup-node',
    short: 'Remove what init and join wrote on this node',
    run: async (d, ctx) => {
      const targets = await resetTargets(d.rootDir, {keepPki: d.keepPki})
      d.kept = targets.kept
      if (d.manageServices && !ctx.dryRun) {
        // as kubeadm: nothing may recreate what is removed, and nothing may stay mounted in it
        await stopKubelet(ctx.logger)
        if (await exists(join(d.rootDir, WEBHOOK_UNIT_PATH))) await stopUnit(WEBHOOK_UNIT, ctx.logger)
        await removeContainers(d.criSocket, ctx.logger)
        await unmountUnder('/var/lib/kubelet', ctx.logger)
      }
      // resolve every target before deleting anything: one unsafe path aborts the whole reset
      const resolved: {node: string; path: string}[] = []
      for (const node of [...targets.files, ...targets.dirs])
        resolved.push({node, path: await safeTarget(d.rootDir, node)})
      for (const t of resolved) {
        if (!(await exists(t.path))) continue
        if (ctx.dryRun) ctx.logger.info(`[reset] dry run: would remove ${t.node}`)
        else if (targets.dirs.includes(t.node)) await emptyDirectory(t.path)
        else await rm(t.path, {recursive: true, force: true})
        d.removed.push(t.node)
      }
      if (d.keepPki) ctx.logger.info(`[reset] kept ${targets.kept.join(', ')} (--keep-pki)`)
    },
  },
])
