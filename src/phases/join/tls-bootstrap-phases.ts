/**
 * join's kubelet-start (kubelet config from the cluster's kubelet-config ConfigMap, kubelet flags,
 * then the TLS bootstrap) and kubelet-wait-bootstrap (the kubelet, now with its own credentials,
 * has registered its Node).
 */
import {join} from 'node:path'
import {KubeClient} from '../../kube/client.js'
import {KubeApiError} from '../../kube/errors.js'
import {loadKubeconfig} from '../../kube/kubeconfig.js'
import {ConfigMaps, Nodes} from '../../kube/resources.js'
import {poll} from '../../kube/wait.js'
import {localApiServerUrl} from '../../kubeadm/endpoints.js'
import {KUBELET_CONFIG_FILE, KUBELET_FLAGS_FILE, kubeletFlagsEnv} from '../../kubeadm/kubelet.js'
import {writeFileAtomic} from '../../pki/files.js'
import {KforgeError} from '../../util/errors.js'
import {pollInterval} from '../init/api/context.js'
import {restartKubelet} from '../kubelet-service.js'
import type {Phase} from '../workflow.js'
import {BOOTSTRAP_KUBELET_CONF, type JoinData} from './data.js'
import {bootstrapClient, explainBootstrapError, KUBELET_CONF, tlsBootstrap} from './tls-bootstrap.js'

export const kubeletStartJoinPhase: Phase<JoinData> = {
  name: 'kubelet-start',
  short: 'Write kubelet settings, certificates and (re)start the kubelet (TLS bootstrap)',
  run: async (d, ctx) => {
    const name = d.config.nodeRegistration.name
    if (ctx.dryRun) {
      ctx.logger.info(
        `[kubelet-start] dry run: would download kubelet-config, write the kubelet files and request a certificate for system:node:${name}`,
      )
      return
    }
    const {client, creds} = await bootstrapClient(d.rootDir, BOOTSTRAP_KUBELET_CONF)
    let kubelet: string | undefined
    try {
      const existing = await client.find(Nodes, name)
      const ready = existing?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
      if (ready) {
        throw new KforgeError(
          `a Node with name "${name}" and status "Ready" already exists in the cluster. Delete it first (kubectl delete node ${name}) or join with another --node-name`,
        )
      }
      kubelet = (await client.get(ConfigMaps, 'kubelet-config', 'kube-system')).data?.kubelet
    } catch (err) {
      if (err instanceof KubeApiError) explainBootstrapError(err, 'kubelet-start')
      throw err
    } finally {
      client.close()
    }
    if (!kubelet)
      throw new KforgeError(
        'kubelet-start: ConfigMap kube-system/kubelet-config has no "kubelet" key; was upload-config/kubelet run on the control plane?',
      )
    // as kubeadm: the kubelet's configuration names the cluster CA (authentication.x509.clientCAFile)
    // and a worker has no other copy of it; the kubelet refuses to start without it
    if (!creds.ca) throw new KforgeError(`${BOOTSTRAP_KUBELET_CONF}: no certificate-authority data`)
    await writeFileAtomic(join(d.rootDir, d.config.caCertPath), creds.ca, 0o644)
    ctx.logger.info(`[kubelet-start] Wrote the cluster CA to ${d.config.caCertPath}`)
    await writeFileAtomic(
      join(d.rootDir, KUBELET_FLAGS_FILE),
      kubeletFlagsEnv({nodeRegistration: d.config.nodeRegistration, hostname: name}),
      0o644,
    )
    await tlsBootstrap({
      rootDir: d.rootDir,
      nodeName: name,
      bootstrapKubeconfig: BOOTSTRAP_KUBELET_CONF,
      timeoutMs: d.config.timeouts.tlsBootstrap,
      intervalMs: pollInterval(d, 1000),
      logger: ctx.logger,
      // As kubeadm (ControlPlaneKubeletLocalMode from v1.31, no longer a gate in v1.37): a
      // control-plane node's kubelet talks to its own API server, so it keeps its static pods
      // managed and its Node updated when the load balancer or the other members are away.
      ...(d.config.controlPlane
        ? {kubeletServer: localApiServerUrl(d.config.controlPlane.localAPIEndpoint)}
        : {}),
    })
    // The kubelet's configuration goes last: the kubelet unit restarts until it exists, and a
    // kubelet that started before kubelet.conf was written found bootstrap-kubelet.conf and ran
    // a TLS bootstrap of its own beside kforge's (two CSRs per node, two writers of its client
    // certificate; one worker in the real suite never registered).
    await writeFileAtomic(join(d.rootDir, KUBELET_CONFIG_FILE), kubelet, 0o644)
    ctx.logger.info(`[kubelet-start] Wrote ${KUBELET_FLAGS_FILE} and, last, ${KUBELET_CONFIG_FILE}`)
    if (d.manageServices) await restartKubelet('kubelet-start', ctx.logger)
  },
}

export const kubeletWaitBootstrapPhase: Phase<JoinData> = {
  name: 'kubelet-wait-bootstrap',
  short: 'Wait for the kubelet to register its Node with its new credentials',
  run: async (d, ctx) => {
    if (ctx.dryRun) return
    const name = d.config.nodeRegistration.name
    const client = new KubeClient(await loadKubeconfig(join(d.rootDir, KUBELET_CONF), {rootDir: d.rootDir}))
    try {
      await poll(async () => ((await client.find(Nodes, name)) ? true : undefined), {
        intervalMs: pollInterval(d, 1000),
        timeoutMs: d.config.timeouts.kubeletHealthCheck,
        what: `the kubelet to register Node ${name}`,
      })
      ctx.logger.info(`[kubelet-wait-bootstrap] Node ${name} is registered`)
    } finally {
      client.close()
    }
  },
}
