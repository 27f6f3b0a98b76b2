/** The `kforge join` line for a cluster: endpoint and CA pin taken from a kubeconfig. */
import {computePin, pemCertificates} from '../bootstrap/pin.js'
import {KforgeError} from '../util/errors.js'
import type {KubeCredentials} from './kubeconfig.js'

export async function joinCommand(
  creds: KubeCredentials,
  token: string,
  extra: string[] = [],
): Promise<string> {
  if (!creds.ca)
    throw new KforgeError(
      `kubeconfig ${creds.source ?? ''}: the cluster has no certificate-authority data to pin`,
    )
  const pins = pemCertificates(creds.ca.toString('utf8')).map((der) => computePin(der))
  const endpoint = new URL(creds.server).host
  return [
    'kforge join',
    endpoint,
    '--token',
    token,
    ...pins.flatMap((p) => ['--discovery-token-ca-cert-hash', p]),
    ...extra,
  ].join(' ')
}
