/** `kubeconfig`: admin, super-admin, kubelet, controller-manager and scheduler kubeconfig files. */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {
  ensureKubeconfig,
  KUBECONFIGS,
  type KubeconfigContext,
  type KubeconfigFileSpec,
} from '../../pki/kubeadm-kubeconfigs.js'
import {loadX509} from '../../pki/x509.js'
import type {Phase, PhaseContext} from '../workflow.js'
import {hostPath, type InitData, KUBERNETES_DIR, kubeconfigConfig, pkiDir} from './data.js'

function context(d: InitData, ctx: PhaseContext): KubeconfigContext {
  return {
    kubernetesDir: hostPath(d, KUBERNETES_DIR),
    pkiDir: pkiDir(d),
    cfg: kubeconfigConfig(d),
    keys: d.keys,
    cas: d.cas,
    dryRun: ctx.dryRun,
    logger: ctx.logger,
  }
}

function filePhase(spec: KubeconfigFileSpec): Phase<InitData> {
  return {
    name: spec.name,
    short: spec.short,
    run: async (d, ctx) => {
      await ensureKubeconfig(context(d, ctx), spec)
    },
  }
}

export const kubeconfigPhase: Phase<InitData> = {
  name: 'kubeconfig',
  short: 'Kubeconfig files for the control plane',
  run: async (d, ctx) => {
    if (ctx.dryRun) return
    const dir = hostPath(d, KUBERNETES_DIR)
    d.keys.prefetch(
      KUBECONFIGS.filter((k) => !d.skipped.has(`kubeconfig/${k.name}`) && !existsSync(join(dir, k.file))).map(
        (k) => `kubeconfig/${k.name}`,
      ),
    )
    await loadX509()
  },
  phases: KUBECONFIGS.map(filePhase),
}
