/**
 * The Kubernetes side of a lifecycle test's emulator cluster: the API double, an admin client of
 * it, and the "kubelets" of lifecycle-support.ts, which register a Ready Node for every running
 * instance of the cluster and follow its replacements. The roll, upgrade and validate tests each
 * started and stopped this the same way; one place does it now, and its `close()` stops the
 * kubelets before the API double they write to.
 */
import type {AwsClients} from '../../src/cloud/aws/clients.js'
import {KubeClient} from '../../src/kube/client.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {type KubeApi, startKubeApi} from '../support/kube-api/index.js'
import {kubeletLoop, registerNodes} from './lifecycle-support.js'

export interface LifecycleKube {
  api: KubeApi
  client: KubeClient
  /** Kubelets start following the cluster's instances (the next pass within 100 ms). */
  startKubelets(): void
  /** Kubelets stop; once this resolves, no Node is registered any more. */
  stopKubelets(): Promise<void>
  /** Kubelets stopped, the client and the API double closed. */
  close(): Promise<void>
}

/**
 * The API double for `cluster`. With `kubelets` (the default) every running instance has its Node
 * before this resolves, and kubelets keep following the instances; without, none is registered
 * until the test calls `startKubelets()`.
 */
export async function startLifecycleKube(
  aws: AwsClients,
  cluster: string,
  o: {kubelets?: boolean} = {},
): Promise<LifecycleKube> {
  const api = await startKubeApi()
  const client = new KubeClient(await loadKubeconfig(api.adminKubeconfig))
  let stop: (() => Promise<void>) | undefined
  const kube: LifecycleKube = {
    api,
    client,
    startKubelets() {
      stop ??= kubeletLoop(client, aws, cluster)
    },
    async stopKubelets() {
      const stopping = stop
      stop = undefined
      await stopping?.()
    },
    async close() {
      await kube.stopKubelets()
      client.close()
      await api.close()
    },
  }
  if (o.kubelets ?? true) {
    await registerNodes(client, aws, cluster)
    kube.startKubelets()
  }
  return kube
}
