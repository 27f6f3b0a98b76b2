/**
 * `show-join-command`: print the `kforge join` command for worker nodes, with the first bootstrap
 * token and the pin of the cluster CA under the root dir. Printed on stdout, unredacted: showing
 * the token is the point (kubeadm does the same); it never goes to the log.
 */
import {readFile} from 'node:fs/promises'
import {posix} from 'node:path'
import {computePin} from '../../bootstrap/pin.js'
import {formatToken} from '../../bootstrap/token.js'
import {splitHostPort} from '../../pki/kubeadm-certs.js'
import {KforgeError} from '../../util/errors.js'
import type {Phase} from '../workflow.js'
import {hostPath, type InitData} from './data.js'

/** `host:port` a joining node dials: the control-plane endpoint, else this node's API endpoint. */
export function joinEndpoint(d: InitData): string {
  const {advertiseAddress, bindPort} = d.init.localAPIEndpoint
  const wrap = (h: string) => (h.includes(':') ? `[${h}]` : h)
  if (!d.cluster.controlPlaneEndpoint) return `${wrap(advertiseAddress)}:${bindPort}`
  const {host, port} = splitHostPort(d.cluster.controlPlaneEndpoint)
  return `${wrap(host)}:${port ?? bindPort}`
}

export const showJoinCommandPhase: Phase<InitData> = {
  name: 'show-join-command',
  short: 'Print the join command for worker nodes',
  run: async (d, ctx) => {
    const caFile = hostPath(d, posix.join(d.cluster.certificatesDir, 'ca.crt'))
    let pin: string
    try {
      pin = computePin(await readFile(caFile, 'utf8'))
    } catch (err) {
      if (!ctx.dryRun)
        throw new KforgeError(`cannot compute the CA pin: ${caFile}: ${(err as Error).message}`)
      pin = 'sha256:<pin of ca.crt, made by the certs phase>'
    }
    const token = d.init.bootstrapTokens[0]
    if (!token) throw new KforgeError('InitConfiguration.bootstrapTokens is empty: no token to join with')
    d.out(
      `kforge join ${joinEndpoint(d)} --token ${formatToken(token.token)} --discovery-token-ca-cert-hash ${pin}\n`,
    )
  },
}
