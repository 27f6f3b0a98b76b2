/**
 * pod-identity-webhook (kforge; init and join --control-plane): install and register the pod
 * identity webhook (src/podidentity) when `/etc/kforge/node.yaml` asks for it, i.e. when the
 * cluster publishes its service-account issuer. Every control-plane node runs one, since each
 * kube-apiserver calls the webhook on its own node. In init it comes before the addons, so the
 * addons' pods are already admitted through it.
 */
import {KubeClient} from '../../kube/client.js'
import {loadKubeconfig} from '../../kube/kubeconfig.js'
import {installPodIdentityWebhook} from '../../podidentity/install.js'
import type {Phase} from '../workflow.js'
import {nodeConfig} from './api/addon/node-config.js'
import {kubeconfigFile} from './api/context.js'

export function podIdentityWebhookPhase<D extends {rootDir: string}>(
  isControlPlane: (d: D) => boolean,
): Phase<D> {
  return {
    name: 'pod-identity-webhook',
    short: 'Install the pod identity webhook (IAM roles for service accounts)',
    runIf: async (d) => isControlPlane(d) && (await nodeConfig(d)).podIdentityWebhook !== undefined,
    run: async (d, ctx) => {
      const {region} = (await nodeConfig(d)).podIdentityWebhook!
      if (ctx.dryRun) {
        ctx.logger.info(
          `[pod-identity-webhook] dry run: would install and register the webhook (region ${region})`,
        )
        return
      }
      const adminKubeconfig = kubeconfigFile(d, 'admin.conf')
      const admin = new KubeClient(await loadKubeconfig(adminKubeconfig, {rootDir: d.rootDir}))
      try {
        await installPodIdentityWebhook(d.rootDir, {region, adminKubeconfig}, admin, ctx.logger)
      } finally {
        admin.close()
      }
    },
  }
}
