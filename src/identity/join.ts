/**
 * `kforge join --node-identity CLUSTER`: the token discovery and TLS bootstrap run as usual, with a
 * token this instance obtains from the node-identity service instead of one it was given. The
 * token is bound to the node name the service derived from the instance; a join that would
 * register under another name is stopped here, before anything is written (the service's approver
 * would deny its certificate request anyway).
 */
import {readManifest} from '../assets/decrypt.js'
import type {PinSet} from '../bootstrap/pin.js'
import {type BootstrapToken, parseToken} from '../bootstrap/token.js'
import {AwsClients} from '../cloud/aws/clients.js'
import {KforgeError} from '../util/errors.js'
import type {Logger} from '../util/logger.js'
import {fetchNodeToken} from './client.js'

export interface NodeIdentityJoin {
  /** The assets manifest the boot wrote: it names the cluster and its region. */
  manifest: string
  /** host:port of the services; default: the cluster's running control-plane instances. */
  endpoints?: string[]
  pins: PinSet
  /** The name this join registers the node as (nodeRegistration.name). */
  nodeName: string
  logger: Logger
  timeoutMs?: number
}

export async function nodeIdentityToken(o: NodeIdentityJoin): Promise<BootstrapToken> {
  if (o.pins.empty) {
    throw new KforgeError(
      '--node-identity: a CA pin is required (discovery.bootstrapToken.caCertHashes): the service is trusted only through it',
    )
  }
  const {cluster, region} = await readManifest(o.manifest)
  const answer = await fetchNodeToken({
    cluster,
    region,
    aws: new AwsClients({region}),
    pins: o.pins,
    ...(o.endpoints && o.endpoints.length > 0 ? {endpoints: o.endpoints} : {}),
    logger: o.logger,
    ...(o.timeoutMs ? {timeoutMs: o.timeoutMs} : {}),
  })
  if (answer.nodeName !== o.nodeName) {
    throw new KforgeError(
      `--node-identity: the service bound the token to node ${answer.nodeName} (this instance's private DNS name), but this join registers the node as ${o.nodeName}; set nodeRegistration.name (or the hostname) to ${answer.nodeName}`,
    )
  }
  return parseToken(answer.token, 'node-identity token')
}
