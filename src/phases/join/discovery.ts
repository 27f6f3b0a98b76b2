/**
 * `discovery`: find and verify the cluster (cluster-info.ts), then write
 * /etc/kubernetes/bootstrap-kubelet.conf for the kubelet's TLS bootstrap: the discovered server
 * and CA, cluster `kubernetes`, user `tls-bootstrap-token-user` with the bootstrap token. The file
 * is written only after every check passed, atomically, 0600.
 */
import {formatToken} from '../../bootstrap/token.js'
import {KEY_MODE, writeFileAtomic} from '../../pki/files.js'
import {buildKubeconfig, serializeKubeconfig} from '../../pki/kubeconfig.js'
import type {Phase} from '../workflow.js'
import {discoverClusterInfo} from './cluster-info.js'
import {BOOTSTRAP_KUBELET_CONF, type JoinData, joinHostPath, TLS_BOOTSTRAP_USER} from './data.js'

export const discoveryPhase: Phase<JoinData> = {
  name: 'discovery',
  short: 'Verify cluster-info, write bootstrap-kubelet.conf',
  run: async (d, ctx) => {
    const found = await discoverClusterInfo({
      endpoint: d.endpoint,
      token: d.discoveryToken,
      pins: d.pins,
      pollIntervalMs: d.pollIntervalMs,
      timeoutMs: d.discoveryTimeoutMs,
      logger: ctx.logger,
    })
    const file = joinHostPath(d, BOOTSTRAP_KUBELET_CONF)
    ctx.logger.info(
      `[discovery] cluster-info is signed by the token and its CA is trusted; API server ${found.server}`,
    )
    if (ctx.dryRun) {
      ctx.logger.info(`[dry-run] would write ${file}`)
      return
    }
    const doc = buildKubeconfig({
      clusterName: 'kubernetes',
      server: found.server,
      caCertPem: found.caPem,
      userName: TLS_BOOTSTRAP_USER,
      auth: {token: formatToken(d.tlsBootstrapToken)},
    })
    await writeFileAtomic(file, serializeKubeconfig(doc), KEY_MODE)
    ctx.logger.info(`[discovery] wrote ${file}`)
  },
}
