/**
 * `kforge identity serve`: the node-identity service as the node agent runs it on each
 * control-plane node (systemd unit kforge-node-identity.service). It serves with a certificate
 * the cluster CA signs at start, for this node's addresses; applies its RBAC; and every few
 * seconds answers pending node-identity certificate requests and deletes spent tokens.
 */
import {hostname, networkInterfaces} from 'node:os'
import {join} from 'node:path'
import {AwsClients, type AwsOptions} from '../cloud/aws/clients.js'
import {KubeClient} from '../kube/client.js'
import {loadKubeconfig} from '../kube/kubeconfig.js'
import {applyAll} from '../kube/manifests/apply.js'
import {nodeIdentityRbac} from '../kube/manifests/node-identity-rbac.js'
import {loadPair, pairPaths} from '../pki/files.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {servingCertificate, startNodeIdentityServer} from './server.js'
import {NodeIdentityService} from './service.js'
import type {StsTarget} from './sts.js'

export interface ServeOptions {
  cluster: string
  aws: AwsOptions & {region: string}
  kubeconfig: string
  rootDir: string
  host: string
  port: number
  tokenTtlMs?: number
  sts?: StsTarget
  tickMs?: number
  logger: Logger
  /** Resolves when the service should stop (a signal). */
  stop: Promise<void>
}

/** This node's addresses, for the serving certificate: what joining nodes dial. */
function localNames(): {dnsNames: string[]; ips: string[]} {
  const ips = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address)
  return {dnsNames: [hostname()], ips: [...new Set(['127.0.0.1', ...ips])].sort()}
}

export async function serveNodeIdentity(o: ServeOptions): Promise<void> {
  const ca = await loadPair(pairPaths(join(o.rootDir, 'etc/kubernetes/pki'), 'ca'))
  if (!ca?.key)
    throw new KforgeError(
      'node-identity: the cluster CA (etc/kubernetes/pki/ca.crt and ca.key) is not on this node',
    )
  const cert = await servingCertificate({certPem: ca.certPem, cert: ca.cert, key: ca.key}, localNames())
  const kube = new KubeClient(await loadKubeconfig(o.kubeconfig, {rootDir: o.rootDir}))
  const service = new NodeIdentityService({
    cluster: o.cluster,
    region: o.aws.region,
    aws: new AwsClients(o.aws),
    kube,
    logger: o.logger,
    ...(o.sts ? {sts: o.sts} : {}),
    ...(o.tokenTtlMs ? {tokenTtlMs: o.tokenTtlMs} : {}),
  })
  await applyAll(kube, nodeIdentityRbac(), (l) => o.logger.debug(`node-identity: ${l}`))
  const server = await startNodeIdentityServer(service, {
    certPem: cert.chainPem,
    keyPem: cert.keyPem,
    host: o.host,
    port: o.port,
    onRefused: (reason, remote) => o.logger.warn(`node-identity: refused ${remote}: ${reason}`),
    onError: (err) => o.logger.error(`node-identity: ${err.message}`),
  })
  o.logger.info(`node-identity: serving cluster ${o.cluster} on ${o.host}:${server.port}`)
  let stopped = false
  void o.stop.then(() => {
    stopped = true
  })
  try {
    while (!stopped) {
      await service.tick().catch((err: Error) => o.logger.warn(`node-identity: ${err.message}`))
      await Promise.race([o.stop, new Promise((r) => setTimeout(r, o.tickMs ?? 2000))])
    }
  } finally {
    await server.close()
    kube.close()
  }
}
