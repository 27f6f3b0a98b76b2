/**
 * pod-identity-webhook (kforge; init and join --control-plane): install and register the pod
 * identity webhook (src/podidentity) when `/etc/kforge/node.yaml` asks for it, i.e. when the
 * cluster publishes its service-account issuer. Every control-plane node runs one, since each
 * kube-apiserver calls the webhook on its own node. In init it comes before the addons, so the
 * addons' pods are already admitted through it.
 */

import {KubeClient} from '../../kube/client.js'
import {loadKubeconfig} from '../../kube/kubeconfig.js'
import {localApiServerUrl} from '../../kubeadm/endpoints.js'
import type {APIEndpoint} from '../../kubeadm/types.js'
import {installPodIdentityWebhook} from '../../podidentity/install.js'
import type {Phase} from '../workflow.js'
import {nodeConfig} from './api/addon/node-config.js'
import {kubeconfigFile} from './api/context.js'

/** `localApi`: this control-plane node's own API server, which the webhook reads through. */
export function podIdentityWebhookPhase<D extends {rootDir: string}>(
  isControlPlane: (d: D) => boolean,
  localApi: (d: D) => APIEndpoint,
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
      const admin = new KubeClient(
        await loadKubeconfig(kubeconfigFile(d, 'admin.conf'), {rootDir: d.rootDir}),
      )
      try {
        // The local API server, not the load-balanced endpoint: the API server that calls this
        // webhook is the one beside it, and the webhook keeps working when the balancer does not.
        const server = localApiServerUrl(localApi(d))
        await installPodIdentityWebhook(d.rootDir, {region, server}, admin, ctx.logger)
      } finally {
        admin.close()
      }
    },
  }
}
