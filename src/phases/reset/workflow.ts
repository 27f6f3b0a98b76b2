/**
 * `kforge reset`: kubeadm's reset phases, top to bottom: preflight (confirm), remove-etcd-member
 * (a stacked etcd member leaves its cluster), cleanup-node (remove what init/join wrote under the
 * root dir).
 */
import {rm} from 'node:fs/promises'
import {KforgeError} from '../../util/errors.js'
import {Workflow} from '../workflow.js'
import {localEtcdPeerURL, removeEtcdMember} from './etcd-member.js'
import {exists, resetTargets, safeTarget} from './paths.js'

export interface ResetData {
  rootDir: string
  keepPki: boolean
  force: boolean
  /** Asks the question, returns the answer line. */
  ask: (question: string) => Promise<string>
  /** What was removed (node paths), for the command's output. */
  removed: string[]
  kept: string[]
  /** What happened to this node's etcd member, when it had one. */
  etcd?: 'removed' | 'last-member' | 'not-a-member' | 'failed'
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
      // resolve every target before deleting anything: one unsafe path aborts the whole reset
      const resolved: {node: string; path: string}[] = []
      for (const node of [...targets.files, ...targets.dirs])
        resolved.push({node, path: await safeTarget(d.rootDir, node)})
      for (const t of resolved) {
        if (!(await exists(t.path))) continue
        if (ctx.dryRun) ctx.logger.info(`[reset] dry run: would remove ${t.node}`)
        else await rm(t.path, {recursive: true, force: true})
        d.removed.push(t.node)
      }
      if (d.keepPki) ctx.logger.info(`[reset] kept ${targets.kept.join(', ')} (--keep-pki)`)
    },
  },
])
